/* utf8.c: display width of UTF-8 text, and cutting it to a width.
 * Decoding is strict so every later stage can trust the code points. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/utf8.h"
#include "core/xmalloc.h"

#define ELLIPSIS_UTF8 "\xe2\x80\xa6"

size_t utf8_decode(const char *s, size_t n, unsigned int *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int c, min;
	size_t len, i;

	if (n == 0) {
		*cp = 0;
		return 0;
	}
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		/* stray continuation byte, C0/C1 overlong lead, or F5..FF */
		*cp = 0xfffd;
		return 1;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and values past U+10FFFF */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

/* Columns of one code point: wcwidth(), except that what it rejects
 * (controls, unassigned code points in some locales) takes one cell, as
 * the sanitised form of such text always does. */
static int cp_width(unsigned int cp)
{
	int w = wcwidth((wchar_t)cp);

	return w < 0 ? 1 : w;
}

int utf8_width(const char *s)
{
	size_t n, k;
	unsigned int cp;
	int cols = 0;

	if (!s)
		return 0;
	n = strlen(s);
	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		cols += cp_width(cp);
		s += k;
		n -= k;
	}
	return cols;
}

char *utf8_to_ascii(const char *s)
{
	size_t n = s ? strlen(s) : 0, k, o = 0;
	char *out;
	unsigned int cp;

	/* A code point takes at least one byte and at most 2 columns. */
	out = xmalloc(n * 2 + 1);
	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else {
			for (int w = cp_width(cp); w > 0; w--)
				out[o++] = '?';
		}
		s += k;
		n -= k;
	}
	out[o] = '\0';
	return out;
}

/* A bounded output buffer: appends never overflow and leave it NUL
 * terminated; an append that does not fit is refused whole, so the text
 * is never cut inside a UTF-8 sequence. */
struct obuf {
	char *p;
	size_t len, cap;
};

static int obuf_put(struct obuf *o, const char *s, size_t n, size_t reserve)
{
	if (o->cap == 0 || o->len + n + reserve + 1 > o->cap)
		return 0;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
	return 1;
}

static void ellipsis(bool unicode, const char **s, size_t *n)
{
	*s = unicode ? ELLIPSIS_UTF8 : "~";
	*n = unicode ? 3 : 1;
}

/* Copy the prefix of s that fits in limit columns. With cut set, room for
 * an ellipsis of elen bytes is kept and a wide character straddling limit
 * leaves a space. Returns the columns copied, or -1 when the buffer ran
 * out before the text did (the caller then redoes it as a cut). */
static int fit_prefix(struct obuf *o, const char *s, int limit, bool cut,
		      size_t elen)
{
	size_t n = strlen(s), k;
	unsigned int cp;
	int cols = 0, w;

	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		w = cp_width(cp);
		if (cols + w > limit) {
			if (cut && cols < limit && obuf_put(o, " ", 1, elen))
				cols++;
			return cols;
		}
		if (!obuf_put(o, s, k, cut ? elen : 0))
			return cut ? cols : -1;
		cols += w;
		s += k;
		n -= k;
	}
	return cols;
}

int utf8_fit(const char *s, int width, bool pad, bool unicode, char *out,
	     size_t outsz)
{
	struct obuf o = { out, 0, outsz };
	const char *ell;
	size_t elen;
	int cols;

	if (outsz > 0)
		out[0] = '\0';
	if (!s)
		s = "";
	if (width <= 0 || outsz == 0)
		return 0;
	ellipsis(unicode, &ell, &elen);
	cols = -1;
	if (utf8_width(s) <= width) {
		cols = fit_prefix(&o, s, width, false, 0);
		if (cols < 0) {
			o.len = 0;
			out[0] = '\0';
		}
	}
	if (cols < 0) {
		cols = fit_prefix(&o, s, width - 1, true, elen);
		if (obuf_put(&o, ell, elen, 0))
			cols++;
	}
	while (pad && cols < width && obuf_put(&o, " ", 1, 0))
		cols++;
	return cols;
}

int utf8_fit_left(const char *s, int width, bool unicode, char *out,
		  size_t outsz)
{
	struct obuf o = { out, 0, outsz };
	const char *ell, *p;
	size_t elen, n, k;
	unsigned int cp;
	int total, skip, cols, w;

	if (outsz > 0)
		out[0] = '\0';
	if (!s)
		s = "";
	if (width <= 0 || outsz == 0)
		return 0;
	total = utf8_width(s);
	if (total <= width) {
		cols = fit_prefix(&o, s, width, false, 0);
		if (cols >= 0)
			return cols;
		o.len = 0;
		out[0] = '\0';
	}
	/* Drop leading code points until the rest fits beside the ellipsis;
	 * zero-width marks whose base was dropped go with it. */
	ellipsis(unicode, &ell, &elen);
	if (!obuf_put(&o, ell, elen, 0))
		return 0;
	cols = 1;
	skip = total - (width - 1);
	p = s;
	n = strlen(s);
	while (n > 0) {
		k = utf8_decode(p, n, &cp);
		w = cp_width(cp);
		if (skip <= 0 && w > 0)
			break;
		skip -= w;
		p += k;
		n -= k;
	}
	/* A wide character cut in half leaves its right column as a space. */
	if (skip < 0 && obuf_put(&o, " ", 1, 0))
		cols -= skip;
	while (n > 0) {
		k = utf8_decode(p, n, &cp);
		if (!obuf_put(&o, p, k, 0))
			break;
		cols += cp_width(cp);
		p += k;
		n -= k;
	}
	return cols;
}

int utf8_fit_middle(const char *s, int width, bool pad, bool unicode,
		    char *out, size_t outsz)
{
	const char *ell;
	size_t elen, hl;
	char *head, *tail;
	int head_w, tail_w, cols;

	if (!s)
		s = "";
	if (width < 5 || utf8_width(s) <= width)
		return utf8_fit(s, width, pad, unicode, out, outsz);
	ellipsis(unicode, &ell, &elen);
	/* The head ends with the ellipsis, the tail starts with one: keep
	 * the head's. */
	head_w = width / 2;
	tail_w = width - head_w;
	head = xmalloc((size_t)head_w * 4 + 8);
	tail = xmalloc((size_t)tail_w * 4 + 8);
	utf8_fit(s, head_w + 1, false, unicode, head, (size_t)head_w * 4 + 8);
	utf8_fit_left(s, tail_w, unicode, tail, (size_t)tail_w * 4 + 8);
	hl = strlen(head);
	if (hl >= elen && !memcmp(head + hl - elen, ell, elen))
		hl -= elen;
	snprintf(out, outsz, "%.*s%s", (int)hl, head, tail);
	free(head);
	free(tail);
	cols = utf8_width(out);
	if (pad)
		for (size_t n = strlen(out); cols < width && n + 1 < outsz;
		     cols++, n++) {
			out[n] = ' ';
			out[n + 1] = '\0';
		}
	return cols;
}
