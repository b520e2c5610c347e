/* utf8.h: display width of UTF-8 text, and cutting it to a width.
 * Pure functions over sanitised text; wcwidth() decides each code point. */
#ifndef MLTOP_UTF8_H
#define MLTOP_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Decode one code point at s (at most n bytes). Returns bytes consumed
 * (>= 1) and sets *cp; invalid input (overlong, surrogate, past U+10FFFF,
 * cut short by n) consumes 1 byte and gives U+FFFD. n == 0 returns 0. */
size_t utf8_decode(const char *s, size_t n, unsigned int *cp);

/* Terminal columns the string takes (non-printable code points count 0
 * for combining marks, 1 for anything else wcwidth() rejects). */
int utf8_width(const char *s);

/* Copy into out (of outsz bytes) the longest prefix of s that fits in
 * width columns. When s is wider than width, the copy ends with an
 * ellipsis (U+2026 when unicode is true, "~" otherwise) and still fits.
 * When pad is true, spaces are appended up to exactly width columns.
 * A wide character that would straddle the edge is replaced by a space,
 * so a cut string is always exactly width columns with the ellipsis in
 * the last one. Zero-width marks stay with their base character.
 * Returns the columns written. out is always NUL terminated and never
 * overrun: when outsz is too small for the text, it is cut (with the
 * ellipsis) at a character boundary; width*4+8 bytes is always enough
 * for text without combining marks. */
int utf8_fit(const char *s, int width, bool pad, bool unicode, char *out,
	     size_t outsz);

/* Like utf8_fit but keeps the end of the string: "...abcdef", without
 * padding. A cut wide character leaves a space after the ellipsis. */
int utf8_fit_left(const char *s, int width, bool unicode, char *out,
		  size_t outsz);

/* Like utf8_fit but cuts in the middle, keeping both ends
 * ("/usr/local/li…/launcher.py"): for paths and ids, whose end says as
 * much as their start. Padded to width when pad. */
int utf8_fit_middle(const char *s, int width, bool pad, bool unicode,
		    char *out, size_t outsz);

/* For a terminal whose locale is not UTF-8: a copy (caller frees) with
 * every code point past ASCII replaced by '?' as many times as the
 * columns utf8_width gave it, so text keeps the width tables assumed. */
char *utf8_to_ascii(const char *s);

#endif
