/* sanitize.h: make untrusted store text safe to draw.
 * Nothing from a store reaches the terminal without passing through here. */
#ifndef MLTOP_SANITIZE_H
#define MLTOP_SANITIZE_H

#include <stddef.h>

/* Returns a new string (caller frees) in which every byte sequence that a
 * terminal would interpret is made visible instead:
 *  - C0 controls and DEL become caret notation: ESC -> "^[", "\n" -> "^J",
 *    TAB -> "^I", DEL -> "^?";
 *  - C1 controls U+0080..U+009F become "<U+009B>" style;
 *  - bidi overrides/isolates (U+202A..U+202E, U+2066..U+2069) and other
 *    zero-width format characters that can hide text (U+200B..U+200F,
 *    U+2028, U+2029, U+FEFF; also U+061C, U+180E, U+2060..U+206F,
 *    U+FFF9..U+FFFB and the tag characters U+E0000..U+E007F) become
 *    "<U+202E>" (upper-case hex, at least 4 digits);
 *  - invalid UTF-8 bytes (stray continuations, overlong forms, encoded
 *    surrogates, past U+10FFFF) become "\xNN" (upper-case hex), one
 *    byte at a time.
 * Printable UTF-8 is copied as is. NULL in gives "" out. */
char *sanitize_text(const char *s);

/* The same over n bytes (the input may contain NUL, which becomes "^@"). */
char *sanitize_textn(const char *s, size_t n);

#endif
