/* sanitize.c: make untrusted store text safe to draw.
 * Run names, params and tags are written by anyone who can log to a store. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"

/* Code points that reorder or hide text without being controls. */
static bool cp_is_hiding(unsigned int cp)
{
	return cp == 0x061c ||                       /* Arabic letter mark */
	       cp == 0x180e ||                       /* Mongolian vowel sep */
	       (cp >= 0x200b && cp <= 0x200f) ||     /* ZW space..RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||     /* LS, PS, embeddings */
	       (cp >= 0x2060 && cp <= 0x206f) ||     /* joiners, isolates */
	       cp == 0xfeff ||                       /* BOM / ZWNBSP */
	       (cp >= 0xfff9 && cp <= 0xfffb) ||     /* annotation marks */
	       (cp >= 0xe0000 && cp <= 0xe007f);     /* tag characters */
}

char *sanitize_textn(const char *s, size_t n)
{
	/* Worst case is 4 output bytes an input byte: "\xNN" for a bad
	 * byte, "<U+0085>" for a 2-byte C1 control. */
	char *out, *o;
	unsigned int cp;
	unsigned char c;
	size_t k;

	if (!s)
		n = 0;
	out = xmalloc(n * 5 + 1);
	o = out;
	while (n > 0) {
		c = (unsigned char)*s;
		k = utf8_decode(s, n, &cp);
		if (c == 0xc0 && n >= 2 && (unsigned char)s[1] == 0x80) {
			/* A NUL carried inside a C string, shown as one. */
			*o++ = '^';
			*o++ = '@';
			k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			*o++ = '^';
			*o++ = (char)(c ^ 0x40);
		} else if (cp == 0xfffd && k == 1) {
			o += sprintf(o, "\\x%02X", c);
		} else if ((cp >= 0x80 && cp <= 0x9f) || cp_is_hiding(cp)) {
			o += sprintf(o, "<U+%04X>", cp);
		} else {
			memcpy(o, s, k);
			o += k;
		}
		s += k;
		n -= k;
	}
	*o = '\0';
	return out;
}

char *sanitize_text(const char *s)
{
	return sanitize_textn(s, s ? strlen(s) : 0);
}
