/* jsonw.c: a streaming JSON writer for scripting output.
 * Output is always valid UTF-8 JSON whatever bytes the store held. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/format.h"
#include "core/jsonw.h"
#include "core/utf8.h"
#include "core/xmalloc.h"

#define JSONW_MAX_DEPTH ((int)(sizeof(((struct jsonw *)0)->need_comma) / \
			       sizeof(bool)) - 1)

void jsonw_init(struct jsonw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

/* Before any value: the comma that separates it from the one before.
 * A key clears the flag so its value follows without one. */
static void value_begin(struct jsonw *w)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
}

/* After a value: one at the top level is a complete document, and the
 * next one starts afresh (the caller separates them, usually by "\n"). */
static void value_end(struct jsonw *w)
{
	if (w->depth == 0)
		w->need_comma[0] = false;
}

static void nest_open(struct jsonw *w, int c)
{
	value_begin(w);
	if (w->depth >= JSONW_MAX_DEPTH)
		die("jsonw: nesting deeper than %d", JSONW_MAX_DEPTH);
	fputc(c, w->f);
	w->depth++;
	w->need_comma[w->depth] = false;
}

static void nest_close(struct jsonw *w, int c)
{
	if (w->depth == 0)
		die("jsonw: '%c' with nothing open", c);
	w->depth--;
	fputc(c, w->f);
	value_end(w);
}

void jsonw_obj_begin(struct jsonw *w)
{
	nest_open(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
	nest_close(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
	nest_open(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
	nest_close(w, ']');
}

/* Output goes through a local buffer: one fwrite per few KiB, not per
 * character (10,000 runs are millions of characters). */
struct obuf {
	FILE *f;
	size_t n;
	char b[4096];
};

static void ob_flush(struct obuf *o)
{
	if (o->n)
		fwrite(o->b, 1, o->n, o->f);
	o->n = 0;
}

static void ob_put(struct obuf *o, const char *p, size_t n)
{
	if (o->n + n > sizeof(o->b)) {
		ob_flush(o);
		if (n > sizeof(o->b)) {
			fwrite(p, 1, n, o->f);
			return;
		}
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/* Code points written as \u escapes whatever their validity in JSON. */
static bool json_must_escape(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static void write_string(FILE *f, const char *s)
{
	struct obuf o;
	size_t n = strlen(s), k;
	unsigned int cp;
	char esc[8];

	o.f = f;
	o.n = 0;
	ob_put(&o, "\"", 1);
	while (n > 0) {
		unsigned char c = (unsigned char)*s;
		const char *run = s;

		/* Plain ASCII goes out as it is, in one piece. */
		while (n > 0 && c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			s++;
			n--;
			c = (unsigned char)*s;
		}
		if (s > run)
			ob_put(&o, run, (size_t)(s - run));
		if (n == 0)
			break;
		/* 0xC0 0x80 is how the store layer carries a NUL inside a C
		 * string (see store_sqlite.c): it is U+0000 in JSON. */
		if (n >= 2 && c == 0xc0 && (unsigned char)s[1] == 0x80) {
			ob_put(&o, "\\u0000", 6);
			s += 2;
			n -= 2;
			continue;
		}
		k = utf8_decode(s, n, &cp);
		switch (cp) {
		case '"':
			ob_put(&o, "\\\"", 2);
			break;
		case '\\':
			ob_put(&o, "\\\\", 2);
			break;
		case '\b':
			ob_put(&o, "\\b", 2);
			break;
		case '\f':
			ob_put(&o, "\\f", 2);
			break;
		case '\n':
			ob_put(&o, "\\n", 2);
			break;
		case '\r':
			ob_put(&o, "\\r", 2);
			break;
		case '\t':
			ob_put(&o, "\\t", 2);
			break;
		default:
			/* DEL, C1 controls, the line separators and the
			 * bidi controls are legal JSON but trip terminals
			 * (a C1 CSI starts an escape sequence; a bidi
			 * override reorders what a reader of the output
			 * sees) and JavaScript; escaping changes no value.
			 * An invalid byte becomes U+FFFD. */
			if (json_must_escape(cp)) {
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
				ob_put(&o, esc, 6);
			} else if (cp == 0xfffd) {
				ob_put(&o, "\xef\xbf\xbd", 3);
			} else {
				ob_put(&o, s, k);
			}
		}
		s += k;
		n -= k;
	}
	ob_put(&o, "\"", 1);
	ob_flush(&o);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	write_string(w->f, key ? key : "");
	fputc(':', w->f);
	w->need_comma[w->depth] = false;
}

void jsonw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	value_begin(w);
	write_string(w->f, s);
	value_end(w);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	value_begin(w);
	fprintf(w->f, "%" PRId64, v);
	value_end(w);
}

void jsonw_double(struct jsonw *w, double v)
{
	char buf[40];

	/* format_value_exact already spells NaN and the infinities the
	 * way MLflow's REST server does; JSON needs them quoted. */
	format_value_exact(v, buf, sizeof(buf));
	value_begin(w);
	if (isnan(v) || isinf(v))
		fprintf(w->f, "\"%s\"", buf);
	else
		fputs(buf, w->f);
	value_end(w);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	value_begin(w);
	fputs(v ? "true" : "false", w->f);
	value_end(w);
}

void jsonw_null(struct jsonw *w)
{
	value_begin(w);
	fputs("null", w->f);
	value_end(w);
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_int(w, v);
}
