/* filter.c: the "/" filter: a PCRE2 pattern, "!" in front inverts it.
 * Subjects are store text, so invalid UTF-8 must match, not fail. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "core/filter.h"
#include "core/utf8.h"
#include "core/xmalloc.h"

/* Bounds backtracking so a pathological pattern typed at the prompt
 * costs a slow frame, not a hung terminal. */
#define FILTER_MATCH_LIMIT 1000000

struct filter {
	char *pattern;          /* as typed, "!" included */
	bool invert;
	pcre2_code *re;
	pcre2_match_data *md;   /* reused: filter_match is not reentrant */
	pcre2_match_context *mc;
};

/* Skip a "{...}" argument of an escape, if there is one. */
static const char *skip_braces(const char *p)
{
	const char *e;

	if (*p != '{')
		return p;
	e = strchr(p, '}');
	return e ? e + 1 : p + strlen(p);
}

/* Skip a group name ending at `end`, as in "(?<Name>" or "(?P=Name)". */
static const char *skip_name(const char *p, char end)
{
	const char *e = strchr(p, end);

	return e ? e + 1 : p + strlen(p);
}

/* Skip what follows "\e" when it is part of the escape, not a literal. */
static const char *skip_escape_arg(char e, const char *p)
{
	int i;

	switch (e) {
	case 'c':               /* \cX: control character X */
		return *p ? p + 1 : p;
	case 'x':               /* \xhh or \x{hhh} */
		if (*p == '{')
			return skip_braces(p);
		for (i = 0; i < 2 && isxdigit((unsigned char)*p); i++)
			p++;
		return p;
	case 'p':               /* \pL or \p{Lu} */
	case 'P':
		if (*p == '{')
			return skip_braces(p);
		return *p ? p + 1 : p;
	case 'N':               /* \N{U+hh} */
	case 'o':               /* \o{ooo} */
		return skip_braces(p);
	case 'k':               /* \k<name>, \k'name', \k{name} */
	case 'g':               /* \g<name>, \g{-1} */
		if (*p == '<')
			return skip_name(p + 1, '>');
		if (*p == '\'')
			return skip_name(p + 1, '\'');
		return skip_braces(p);
	default:
		return p;
	}
}

/* Smart case: an upper-case letter the user typed as a literal makes the
 * match case-sensitive. Upper case that is syntax does not count: escapes
 * (\D, \S, \W, \p{Lu}, \xAB, \k<Name>), verbs like (*UTF) and group
 * names. */
static bool has_upper_literal(const char *p)
{
	unsigned int cp;
	size_t k;

	while (*p) {
		if (p[0] == '\\' && (unsigned char)p[1] < 0x80) {
			if (!p[1])
				break;
			p = skip_escape_arg(p[1], p + 2);
			continue;
		}
		if (p[0] == '(' && p[1] == '*') {
			p = skip_name(p + 2, ')');
			continue;
		}
		if (p[0] == '(' && p[1] == '?') {
			if (p[2] == '<' && p[3] != '=' && p[3] != '!') {
				p = skip_name(p + 3, '>');
				continue;
			}
			if (p[2] == '\'') {
				p = skip_name(p + 3, '\'');
				continue;
			}
			if (p[2] == 'P' && p[3] == '<') {
				p = skip_name(p + 4, '>');
				continue;
			}
			if (p[2] == 'P' || p[2] == '&') {
				p = skip_name(p + 3, ')');
				continue;
			}
		}
		k = utf8_decode(p, strlen(p), &cp);
		if (cp < 0x80 ? (cp >= 'A' && cp <= 'Z') :
		    iswupper((wint_t)cp) != 0)
			return true;
		p += k;
	}
	return false;
}

struct filter *filter_new(const char *pattern, char **err)
{
	struct filter *f;
	const char *body;
	uint32_t opts;
	int code;
	PCRE2_SIZE off;

	if (err)
		*err = NULL;
	if (!pattern)
		return NULL;
	body = pattern[0] == '!' ? pattern + 1 : pattern;
	/* "!" alone is an inversion still being typed: no filter yet. */
	if (!*body)
		return NULL;
	/* Views join several fields with "\n"; MULTILINE lets ^ and $
	 * anchor at each field. */
	opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE;
#ifdef PCRE2_MATCH_INVALID_UTF
	opts |= PCRE2_MATCH_INVALID_UTF;
#endif
	if (!has_upper_literal(body))
		opts |= PCRE2_CASELESS;
	f = xcalloc(1, sizeof(*f));
	f->re = pcre2_compile((PCRE2_SPTR)body, PCRE2_ZERO_TERMINATED, opts,
			      &code, &off, NULL);
	if (!f->re) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			strcpy((char *)msg, "invalid pattern");
		/* the offset counts in the text as typed, "!" included */
		off += (PCRE2_SIZE)(body - pattern);
		if (err)
			*err = xasprintf("%s at offset %zu", (char *)msg,
					 (size_t)off);
		free(f);
		return NULL;
	}
	/* JIT is an optimisation; when the platform lacks it the
	 * interpreter gives the same answers. */
	pcre2_jit_compile(f->re, PCRE2_JIT_COMPLETE);
	f->md = pcre2_match_data_create_from_pattern(f->re, NULL);
	f->mc = pcre2_match_context_create(NULL);
	if (!f->md || !f->mc)
		die("out of memory (pcre2)");
	pcre2_set_match_limit(f->mc, FILTER_MATCH_LIMIT);
	f->invert = pattern[0] == '!';
	f->pattern = xstrdup(pattern);
	return f;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	pcre2_match_context_free(f->mc);
	pcre2_match_data_free(f->md);
	pcre2_code_free(f->re);
	free(f->pattern);
	free(f);
}

#ifndef PCRE2_MATCH_INVALID_UTF
/* PCRE2 before 10.34 refuses invalid UTF-8 subjects; give it a copy with
 * each bad byte replaced by U+FFFD. */
static char *utf8_repair(const char *s)
{
	size_t n = strlen(s), k, o = 0;
	unsigned int cp;
	char *r = xmalloc(n * 3 + 1);

	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		if (cp == 0xfffd && k == 1) {
			memcpy(r + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(r + o, s, k);
			o += k;
		}
		s += k;
		n -= k;
	}
	r[o] = '\0';
	return r;
}
#endif

bool filter_match(const struct filter *f, const char *subject)
{
	int rc;

	if (!f)
		return true;
	if (!subject)
		subject = "";
	rc = pcre2_match(f->re, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0,
			 0, f->md, f->mc);
#ifndef PCRE2_MATCH_INVALID_UTF
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
		char *r = utf8_repair(subject);

		rc = pcre2_match(f->re, (PCRE2_SPTR)r, PCRE2_ZERO_TERMINATED,
				 0, 0, f->md, f->mc);
		free(r);
	}
#endif
	/* A match that hits the limit counts as no match. */
	return (rc >= 0) != f->invert;
}

const char *filter_pattern(const struct filter *f)
{
	return f ? f->pattern : "";
}
