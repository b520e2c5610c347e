/* test_sanitize.c: unit tests for sanitize_text / sanitize_textn.
 * Every terminal-interpreted sequence must come out visible and inert. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "tap.h"

static void check(const char *in, const char *want, const char *name)
{
	char *got = sanitize_text(in);

	is_str(got, want, "%s", name);
	free(got);
}

static void checkn(const char *in, size_t n, const char *want,
		   const char *name)
{
	char *got = sanitize_textn(in, n);

	is_str(got, want, "%s", name);
	free(got);
}

/* The output must be valid UTF-8 (checked here without the library's
 * decoder) holding no C0 control, DEL, C1 control or bidi override. */
static int is_inert(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	int len, i;

	while (*p) {
		if (*p < 0x80) {
			cp = *p;
			len = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			len = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			len = 3;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			len = 4;
		} else {
			return 0;
		}
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return 0;
		p += len;
	}
	return 1;
}

int main(void)
{
	char *s;
	int i, all;

	/* plain text */
	check("hello world", "hello world", "printable ASCII is unchanged");
	/* The store layer carries a NUL as 0xC0 0x80; show it as one. */
	check("nul\xc0\x80name", "nul^@name", "a carried NUL shows as ^@");
	check("a\xc0z", "a\\xC0z", "a lone 0xC0 is still a bad byte");
	check("", "", "empty string");
	s = sanitize_text(NULL);
	is_str(s, "", "NULL gives an empty string");
	free(s);

	/* escape sequences */
	check("\x1b[2J\x1b]0;pwn\x07", "^[[2J^[]0;pwn^G",
	      "clear-screen and title-setting OSC become caret text");
	check("a\x1b[31mred\x1b[0m", "a^[[31mred^[[0m", "SGR colour codes");
	check("\x1bP1;2q\x1b\\", "^[P1;2q^[\\", "DCS with ST");
	check("line1\nline2\r\n", "line1^Jline2^M^J", "newline and CR");
	check("a\tb", "a^Ib", "tab");
	check("x\x7fy", "x^?y", "DEL");
	check("\x01\x02\x1f", "^A^B^_", "other C0 controls");
	check("\x08\x08\x08ok", "^H^H^Hok", "backspaces cannot erase text");
	checkn("a\0b", 3, "a^@b", "NUL inside n bytes");
	checkn("abc", 2, "ab", "only n bytes are read");

	/* C1 controls */
	check("\xc2\x9b" "2J", "<U+009B>2J", "UTF-8 encoded CSI U+009B");
	check("\xc2\x85", "<U+0085>", "NEL U+0085");
	check("\xc2\x80\xc2\x9f", "<U+0080><U+009F>", "both ends of C1");
	check("\x9b" "2J", "\\x9B2J", "raw 0x9b byte (8-bit CSI)");
	check("\x90q\x9c", "\\x90q\\x9C", "raw DCS and ST bytes");

	/* bidi and hiding characters */
	check("abc\xe2\x80\xae" "fdp.exe", "abc<U+202E>fdp.exe",
	      "RLO U+202E");
	check("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	      "<U+202A><U+202B><U+202C><U+202D>", "LRE RLE PDF LRO");
	check("\xe2\x81\xa6x\xe2\x81\xa9", "<U+2066>x<U+2069>",
	      "LRI and PDI isolates");
	check("\xe2\x81\xa7\xe2\x81\xa8", "<U+2067><U+2068>", "RLI and FSI");
	check("a\xe2\x80\x8b" "b", "a<U+200B>b", "zero-width space");
	check("\xe2\x80\x8e\xe2\x80\x8f", "<U+200E><U+200F>", "LRM and RLM");
	check("\xe2\x80\xa8\xe2\x80\xa9", "<U+2028><U+2029>",
	      "line and paragraph separators");
	check("\xef\xbb\xbfname", "<U+FEFF>name", "BOM");
	check("\xd8\x9c", "<U+061C>", "Arabic letter mark");
	check("\xe2\x81\xa0", "<U+2060>", "word joiner");
	check("\xf3\xa0\x81\x81", "<U+E0041>", "tag character U+E0041");

	/* invalid UTF-8 */
	check("\xff", "\\xFF", "0xff byte");
	check("a\xc3", "a\\xC3", "truncated 2-byte sequence at end");
	check("\xc3(", "\\xC3(", "bad continuation byte");
	check("\xc0\xaf", "\\xC0\\xAF", "overlong slash");
	check("\xe0\x80\xaf", "\\xE0\\x80\\xAF", "3-byte overlong");
	check("\xed\xa0\x80", "\\xED\\xA0\\x80", "UTF-16 surrogate");
	check("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80", "past U+10FFFF");
	check("\x80", "\\x80", "lone continuation byte");

	/* printable UTF-8 is kept */
	check("caf\xc3\xa9", "caf\xc3\xa9", "Latin-1 letter");
	check("\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87", "CJK");
	check("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "emoji");
	check("e\xcc\x81", "e\xcc\x81", "combining acute");
	check("\xef\xbf\xbd", "\xef\xbf\xbd", "a real U+FFFD is printable");
	check("\xc2\xa0", "\xc2\xa0", "NBSP (U+00A0) is not C1");

	/* The whole byte range: nothing dangerous survives. */
	all = 1;
	for (i = 1; i < 256; i++) {
		char in[4] = { (char)i, 'x', 0, 0 };

		s = sanitize_text(in);
		if (!is_inert(s))
			all = 0;
		free(s);
	}
	ok(all, "no single byte survives as a control");
	all = 1;
	for (i = 0x80; i < 0xa0; i++) {
		char in[3] = { (char)0xc2, (char)i, 0 };

		s = sanitize_text(in);
		if (!is_inert(s) || strncmp(s, "<U+00", 5) != 0)
			all = 0;
		free(s);
	}
	ok(all, "every UTF-8 C1 control becomes <U+00XX>");

	/* Random byte soup, biased towards ESC, C1 and lead bytes. */
	{
		static const unsigned char pick[] = {
			0x1b, 0x9b, 0xc2, 0xe2, 0x80, 0xae,
			0xf0, 0x07, '[', 'a', 0xff, 0xed,
		};
		unsigned int seed = 12345, r;
		char in[64];
		int t, j;

		all = 1;
		for (t = 0; t < 20000; t++) {
			for (j = 0; j < 63; j++) {
				seed = seed * 1103515245u + 12345u;
				r = seed >> 8;
				in[j] = (char)(seed >> 24 & 1 ?
					       pick[r % sizeof(pick)] :
					       (seed >> 16) & 0xff);
			}
			in[63] = '\0';
			s = sanitize_text(in);
			if (!is_inert(s))
				all = 0;
			free(s);
		}
		ok(all, "20000 random strings all come out inert");
	}

	/* worst case growth: all bad bytes */
	{
		char in[1001];
		size_t n;

		memset(in, 0xff, 1000);
		in[1000] = '\0';
		s = sanitize_text(in);
		n = strlen(s);
		is_int(n, 4000, "1000 bad bytes give 4000 bytes of \\xFF");
		free(s);
	}
	return done_testing();
}
