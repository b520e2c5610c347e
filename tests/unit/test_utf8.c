/* test_utf8.c: unit tests for UTF-8 decoding, widths and fitting.
 * Cutting must never exceed the width nor split a wide character. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "core/utf8.h"
#include "tap.h"

#define ELL "\xe2\x80\xa6"
#define ZHONG "\xe4\xb8\xad"    /* U+4E2D, 2 columns */
#define WEN "\xe6\x96\x87"      /* U+6587, 2 columns */
#define ZI "\xe5\xad\x97"       /* U+5B57, 2 columns */
#define GRIN "\xf0\x9f\x98\x80" /* U+1F600, 2 columns */
#define ACUTE "\xcc\x81"        /* U+0301 combining, 0 columns */

static void decode_is(const char *s, size_t n, size_t want_len,
		      unsigned int want_cp, const char *name)
{
	unsigned int cp = 0x12345678;
	size_t k = utf8_decode(s, n, &cp);

	ok(k == want_len && cp == want_cp, "decode %s: %zu bytes U+%04X",
	   name, k, cp);
}

static void fit_is(const char *s, int width, bool pad, bool unicode,
		   const char *want, int want_cols, const char *name)
{
	char out[128];
	int cols = utf8_fit(s, width, pad, unicode, out, sizeof(out));

	is_str(out, want, "fit %s", name);
	is_int(cols, want_cols, "fit %s: columns", name);
}

static void left_is(const char *s, int width, bool unicode, const char *want,
		    int want_cols, const char *name)
{
	char out[128];
	int cols = utf8_fit_left(s, width, unicode, out, sizeof(out));

	is_str(out, want, "fit_left %s", name);
	is_int(cols, want_cols, "fit_left %s: columns", name);
}

static void middle_is(const char *s, int width, bool pad, bool unicode,
		      const char *want, int want_cols, const char *name)
{
	char out[128];
	int cols = utf8_fit_middle(s, width, pad, unicode, out, sizeof(out));

	is_str(out, want, "fit_middle %s", name);
	is_int(cols, want_cols, "fit_middle %s: columns", name);
}

/* Is every multi-byte sequence in s complete? */
static int whole_sequences(const char *s)
{
	size_t n = strlen(s), k;
	unsigned int cp;

	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		if (cp == 0xfffd && k == 1)
			return 0;
		s += k;
		n -= k;
	}
	return 1;
}

/* Fit a set of awkward strings to every width and check the invariants
 * the table drawing relies on. */
static void fit_properties(void)
{
	static const char *const inputs[] = {
		"", "a", "abc", "abcdefghijklmnop", ZHONG, ZHONG WEN ZI,
		"a" ZHONG "b" WEN "c" ZI, GRIN GRIN "x" GRIN,
		"e" ACUTE "e" ACUTE "e" ACUTE "e" ACUTE,
		ZHONG ACUTE WEN ACUTE, "run-" ZHONG WEN "-" GRIN "-final",
		"x\xffy\xfe" ZHONG,
	};
	char out[256];
	size_t i;
	int w, cols, bad = 0, checked = 0, pass;
	bool pad, uni;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		int full = utf8_width(inputs[i]);

		for (w = 0; w <= 20; w++) {
			for (pad = false;; pad = true) {
				for (uni = false;; uni = true) {
					cols = utf8_fit(inputs[i], w, pad, uni,
							out, sizeof(out));
					pass = cols == utf8_width(out) &&
					       cols <= w && cols >= 0;
					if (pad || full > w)
						pass = pass && cols == w;
					if (full <= w && !pad)
						pass = pass &&
						       !strcmp(out, inputs[i]);
					if (!strchr(inputs[i], '\xff'))
						pass = pass &&
						       whole_sequences(out);
					bad += !pass;
					checked++;
					if (!pass)
						diag("fit failed: input %zu "
						     "width %d pad %d uni %d",
						     i, w, pad, uni);
					if (uni)
						break;
				}
				if (pad)
					break;
			}
			cols = utf8_fit_left(inputs[i], w, true, out,
					     sizeof(out));
			pass = cols == utf8_width(out) && cols <= w &&
			       (full <= w ? !strcmp(out, inputs[i]) :
					    cols == w);
			if (!strchr(inputs[i], '\xff'))
				pass = pass && whole_sequences(out);
			bad += !pass;
			checked++;
			if (!pass)
				diag("fit_left failed: input %zu width %d", i,
				     w);
		}
	}
	is_int(bad, 0, "%d fits keep width, padding and whole characters",
	       checked);
}

int main(void)
{
	char out[16];
	unsigned int cp;
	int cols;

	if (!setlocale(LC_ALL, "C.UTF-8"))
		return tap_bail("no C.UTF-8 locale");

	/* cut in the middle: both ends kept */
	middle_is("/usr/local/lib/python3.11/site-packages/launcher.py", 18,
		  false, true, "/usr/loca\xe2\x80\xa6ncher.py", 18, "a path");
	middle_is("/usr/local/lib/python3.11/site-packages/launcher.py", 18,
		  false, false, "/usr/loca~ncher.py", 18, "ASCII ellipsis");
	middle_is("short.py", 18, true, true, "short.py          ", 18,
		  "fits: padded");
	middle_is("short.py", 18, false, true, "short.py", 8, "fits");
	middle_is(ZHONG ZHONG ZHONG ZHONG ZHONG ZHONG, 7, false, true,
		  ZHONG " \xe2\x80\xa6 " ZHONG, 7, "wide characters whole");
	middle_is("abcdefgh", 4, false, true, "abc\xe2\x80\xa6", 4,
		  "too narrow to keep both ends: an end cut");

	/* decoding */
	decode_is("A", 1, 1, 'A', "ASCII");
	decode_is("\xc3\xa9", 2, 2, 0xe9, "2-byte e-acute");
	decode_is(ZHONG, 3, 3, 0x4e2d, "3-byte CJK");
	decode_is(GRIN, 4, 4, 0x1f600, "4-byte emoji");
	decode_is("\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff, "U+10FFFF");
	decode_is("\xef\xbf\xbd", 3, 3, 0xfffd, "real U+FFFD");
	decode_is(ZHONG, 2, 1, 0xfffd, "sequence cut by n");
	decode_is("\x80", 1, 1, 0xfffd, "lone continuation");
	decode_is("\xc0\x80", 2, 1, 0xfffd, "overlong NUL");
	decode_is("\xc1\xbf", 2, 1, 0xfffd, "overlong 2-byte");
	decode_is("\xe0\x9f\xbf", 3, 1, 0xfffd, "overlong 3-byte");
	decode_is("\xf0\x8f\xbf\xbf", 4, 1, 0xfffd, "overlong 4-byte");
	decode_is("\xed\xa0\x80", 3, 1, 0xfffd, "high surrogate");
	decode_is("\xed\xbf\xbf", 3, 1, 0xfffd, "low surrogate");
	decode_is("\xf4\x90\x80\x80", 4, 1, 0xfffd, "past U+10FFFF");
	decode_is("\xf5\x80\x80\x80", 4, 1, 0xfffd, "F5 lead byte");
	decode_is("\xff", 1, 1, 0xfffd, "FF byte");
	decode_is("\xe4\xb8(", 3, 1, 0xfffd, "bad third byte");
	is_int(utf8_decode("", 0, &cp), 0, "decode of 0 bytes consumes 0");

	/* widths */
	is_int(utf8_width("abc"), 3, "width of ASCII");
	is_int(utf8_width(""), 0, "width of empty");
	is_int(utf8_width(NULL), 0, "width of NULL");
	is_int(utf8_width(ZHONG WEN), 4, "CJK is 2 columns a character");
	is_int(utf8_width(GRIN), 2, "emoji is 2 columns");
	is_int(utf8_width("e" ACUTE), 1, "combining mark adds 0");
	is_int(utf8_width("caf\xc3\xa9"), 4, "precomposed e-acute is 1");
	is_int(utf8_width("a\xffz"), 3, "invalid byte takes 1 column");
	is_int(utf8_width("\xef\xbd\x81"), 2, "fullwidth a (U+FF41) is 2");
	is_int(utf8_width("\xe2\x94\x80\xe2\x96\x88"), 2,
	       "box drawing and block are 1 each");

	/* fitting */
	fit_is("abc", 5, false, true, "abc", 3, "short, no pad");
	fit_is("abc", 5, true, true, "abc  ", 5, "short, padded");
	fit_is("abcde", 5, false, true, "abcde", 5, "exact fit");
	fit_is("abcdef", 5, false, true, "abcd" ELL, 5, "cut with ellipsis");
	fit_is("abcdef", 5, true, false, "abcd~", 5, "cut with ASCII ~");
	fit_is("abc", 1, false, true, ELL, 1, "width 1 is the ellipsis");
	fit_is("a", 1, false, true, "a", 1, "one char in width 1");
	fit_is("abc", 0, true, true, "", 0, "width 0 writes nothing");
	fit_is("abc", -3, true, true, "", 0, "negative width");
	fit_is(NULL, 3, true, true, "   ", 3, "NULL pads to blanks");
	fit_is("ab" ZHONG WEN, 5, false, true, "ab" ZHONG ELL, 5,
	       "wide char fits before the ellipsis");
	fit_is("ab" ZHONG WEN, 4, false, true, "ab " ELL, 4,
	       "straddling wide char becomes a space");
	fit_is(ZHONG WEN ZI, 2, false, true, " " ELL, 2,
	       "only a half wide char: space then ellipsis");
	fit_is(ZHONG WEN, 4, true, true, ZHONG WEN, 4,
	       "wide text that fits exactly");
	fit_is(ZHONG WEN, 3, true, false, ZHONG "~", 3,
	       "wide text cut in ASCII mode");
	fit_is(GRIN GRIN GRIN, 4, false, true, GRIN " " ELL, 4,
	       "emoji cut keeps whole emoji");
	fit_is("e" ACUTE "e" ACUTE "e" ACUTE, 2, false, true,
	       "e" ACUTE ELL, 2, "combining mark stays with its base");
	fit_is("e" ACUTE "e" ACUTE, 2, false, true, "e" ACUTE "e" ACUTE, 2,
	       "combining marks fit in the base's column");

	/* a buffer too small for the text still gets a clean cut */
	cols = utf8_fit("abcdef", 10, false, false, out, 4);
	is_str(out, "ab~", "4-byte buffer: cut with room for ~ and NUL");
	is_int(cols, 3, "4-byte buffer: columns");
	cols = utf8_fit(ZHONG WEN ZI, 10, false, true, out, 7);
	is_str(out, ZHONG ELL, "7-byte buffer: one CJK char, ellipsis, NUL");
	is_int(cols, 3, "7-byte buffer: columns");
	cols = utf8_fit("abc", 10, true, true, out, 1);
	is_str(out, "", "1-byte buffer holds only NUL");
	is_int(cols, 0, "1-byte buffer: columns");

	/* fitting from the left */
	left_is("abcdef", 4, true, ELL "def", 4, "keeps the end");
	left_is("abcdef", 4, false, "~def", 4, "ASCII ellipsis");
	left_is("abc", 4, true, "abc", 3, "short text is unchanged");
	left_is("/home/user/project/mlflow.db", 12, true, ELL "t/mlflow.db",
		12, "path keeps its file name");
	left_is(ZHONG WEN ZI, 4, true, ELL " " ZI, 4,
		"straddling wide char becomes a space");
	left_is(ZHONG WEN ZI, 5, true, ELL WEN ZI, 5, "wide chars that fit");
	left_is("abcde" ACUTE "fg", 3, true, ELL "fg", 3,
		"a dropped base takes its combining mark");
	left_is("ab" ACUTE "cd", 3, true, ELL "cd", 3,
		"mark after a dropped base is dropped too");
	left_is("abc", 1, true, ELL, 1, "width 1");
	left_is("abc", 0, true, "", 0, "width 0");

	fit_properties();
	return done_testing();
}
