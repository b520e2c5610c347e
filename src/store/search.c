/* search.c: MLflow's search_runs filter and order_by (see search.h).
 *
 * The grammar and the messages follow mlflow/utils/search_utils.py; the
 * answers follow what MLflow's SQL store gives on SQLite, checked against
 * the real client:
 * - LIKE is case-sensitive (MLflow turns SQLite's case_sensitive_like
 *   on), ILIKE folds ASCII letters only (SQLite's lower()); '%' is any
 *   run, '_' one character, and there is no escape: a backslash is
 *   itself. The SQL here uses GLOB, which is case-sensitive whatever the
 *   connection's pragmas, with the pattern translated.
 * - a NaN metric (stored value 0, is_nan 1) satisfies only "!="; a
 *   missing metric, param or tag satisfies nothing but IS NULL.
 * - attributes.run_name filters on the mlflow.runName tag (MLflow's rule,
 *   for runs logged before the runs table had a name); order_by on it
 *   sorts by the name column.
 * - ordering: values first, then NaN, then missing, in either direction;
 *   ties by start_time DESC, then run id.
 * - strings are taken between their quotes as typed ('it''s' is i t ' ' s);
 *   only the values of an IN list are read as Python literals, as MLflow
 *   reads them with ast.literal_eval. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xmalloc.h"
#include "store/search.h"

#define SEARCH_MAX_FILTER 65536   /* bytes of filter text */
#define SEARCH_MAX_CLAUSES 256
#define SEARCH_MAX_LIST 4096      /* IN values over the whole filter */
#define SEARCH_MAX_ORDER 32
#define SEARCH_MAX_ORDER_TEXT 4096
#define SEARCH_ECHO 200           /* bytes of the input quoted in errors */

enum kind { K_METRIC, K_PARAM, K_TAG, K_ATTR };

enum attr {
	A_NONE, A_RUN_ID, A_RUN_NAME, A_STATUS, A_USER_ID, A_ARTIFACT_URI,
	A_START_TIME, A_END_TIME,
};

enum op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_LIKE, OP_ILIKE, OP_IN,
	OP_NOT_IN, OP_IS_NULL, OP_NOT_NULL,
};

static const char *const op_sql[] = {
	"=", "!=", "<", "<=", ">", ">=", "GLOB", "GLOB", "IN", "NOT IN",
	"", "",
};

struct clause {
	enum kind kind;
	enum attr attr;
	enum op op;
	char *key;          /* metric/param/tag key */
	char *str;          /* string value (LIKE: the pattern as typed) */
	char *glob;         /* LIKE/ILIKE as a GLOB pattern (ILIKE: lowered) */
	double num;
	int64_t inum;
	bool is_int;        /* numeric attribute compared as an integer */
	char **list;
	size_t nlist;
};

struct order {
	enum kind kind;
	enum attr attr;
	char *key;
	bool asc;
};

struct search {
	char *filter;
	struct clause *c;
	size_t nc, capc;
	size_t nlist;       /* IN values so far */
	char **order_text;
	struct order *o;
	size_t no;
	size_t ocap;        /* clauses o holds room for (keys freed) */
	bool order_start;   /* start_time among the order_by clauses */
};

/* --- errors ------------------------------------------------------------ */

struct ctx {
	const char *s;       /* the text parsed */
	const char *what;    /* "filter" or "order_by" */
	char **err;
	bool failed;
	bool in_clause;      /* parsing a filter clause that starts at */
	size_t clause_at;
};

/* Text quoted in a message: cut at SEARCH_ECHO bytes on a character
 * boundary, control characters and bytes that are not UTF-8 shown as
 * '?', so a message is safe to print and valid UTF-8. */
static char *echo_cut(const char *s, size_t cut)
{
	size_t n = strlen(s), i = 0, o = 0;
	char *out = xmalloc((n < cut ? n : cut) + 4);

	while (i < n) {
		unsigned int cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		bool bad = cp == 0xFFFD &&
			   !(k == 3 && !memcmp(s + i, "\xEF\xBF\xBD", 3));

		if (o + k > cut) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (bad || cp < 0x20 || cp == 0x7f) {
			out[o++] = '?';
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	out[o] = '\0';
	return out;
}

static char *echo(const char *s)
{
	return echo_cut(s, SEARCH_ECHO);
}

/* A whole message made safe the same way (its pieces are cut already). */
static char *echo_all(const char *s)
{
	return echo_cut(s, (size_t)-1 - 4);
}

/* Characters (code points) before byte offset off. */
static size_t char_pos(const char *s, size_t off)
{
	size_t i, n = 0;

	for (i = 0; i < off && s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static void fail(struct ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool is_ws(char ch);
static bool is_word(char ch);
static bool keyword(const char *s, size_t p, const char *kw);
static bool lex_quoted(const char *s, size_t *p, char q);
static void fail(struct ctx *c, size_t off, const char *fmt, ...)
{
	va_list ap;
	char *raw, *msg, *in;

	if (c->failed)
		return;
	c->failed = true;
	if (!c->err)
		return;
	va_start(ap, fmt);
	raw = xvasprintf(fmt, ap);
	va_end(ap);
	/* pieces of the input in it are shown safely too */
	msg = echo_all(raw);
	in = echo(c->s);
	*c->err = xasprintf("%s at position %zu in %s '%s'", msg,
			    char_pos(c->s, off), c->what, in);
	free(raw);
	free(msg);
	free(in);
}

/* MLflow's "Invalid clause(s)" for the clause at s[start]: its tokens as
 * MLflow's tokenizer splits them (a word with its dots, a run of
 * comparison characters, a quoted string, else one character; an
 * unclosed quote is a token of its own), up to the next AND. */
static void fail_clause(struct ctx *c, size_t start, size_t off)
{
	const char *s = c->s;
	size_t i = start, len = 0, cap = 64;
	char *list = xmalloc(cap);

	list[0] = '\0';
	for (;;) {
		size_t a, b;
		char *tok;

		while (is_ws(s[i]))
			i++;
		if (!s[i] || (i > start && keyword(s, i, "AND")))
			break;
		a = i;
		if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
			b = i;
			if (!lex_quoted(s, &b, s[i]))
				b = i + 1;
		} else if (is_word(s[i]) || s[i] == '.') {
			b = i;
			while (is_word(s[b]) || (s[b] == '.' && b > a))
				b++;
			if (b == a)
				b = a + 1;
		} else if (strchr("<>=!~", s[i])) {
			b = i;
			while (s[b] && strchr("<>=!~", s[b]))
				b++;
		} else {
			b = i + 1;
			while (((unsigned char)s[b] & 0xC0) == 0x80)
				b++;
		}
		tok = xstrndup(s + a, b - a);
		list = xgrow(list, &cap, len + strlen(tok) + 5, 1);
		len += (size_t)sprintf(list + len, "%s'%s'", len ? ", " : "",
				       tok);
		free(tok);
		i = b;
	}
	fail(c, off, "Invalid clause(s) in filter string: %s", list);
	free(list);
}

/* Text of s[a, b) for a message, echoed safely. */
static char *piece(const char *s, size_t a, size_t b)
{
	char *raw = xstrndup(s + a, b - a), *out = echo(raw);

	free(raw);
	return out;
}

/* --- lexing ------------------------------------------------------------ */

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\f' || ch == '\v';
}

/* sqlparse's \w: letters, digits, '_' and anything not ASCII. */
static bool is_word(char ch)
{
	unsigned char u = (unsigned char)ch;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
	       (u >= '0' && u <= '9') || u == '_' || u >= 0x80;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static void skip_ws(const char *s, size_t *p)
{
	while (is_ws(s[*p]))
		(*p)++;
}

/* Is s[p..] the keyword kw (case-insensitive, not followed by \w)? */
static bool keyword(const char *s, size_t p, const char *kw)
{
	size_t i;

	for (i = 0; kw[i]; i++)
		if (lower(s[p + i]) != lower(kw[i]))
			return false;
	return !is_word(s[p + i]);
}

/* A quoted token at s[*p] (quote q): sqlparse's rules, a doubled quote
 * or a backslash-escaped one stays inside. Returns false when unclosed.
 * *p ends past the closing quote; the token is s[start, *p). */
static bool lex_quoted(const char *s, size_t *p, char q)
{
	size_t i = *p + 1;

	for (;;) {
		if (!s[i])
			return false;
		if (q != '`' && s[i] == '\\' && s[i + 1]) {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (q != '`' && s[i + 1] == q) {
				i += 2;
				continue;
			}
			*p = i + 1;
			return true;
		}
		i++;
	}
}

static char *strip_ends(const char *s, size_t a, size_t b)
{
	return xstrndup(s + a + 1, b - a - 2);
}

/* --- identifiers -------------------------------------------------------- */

struct ident {
	enum kind kind;
	enum attr attr;
	char *key;           /* as MLflow has it after aliases */
	bool dataset;
};

static const struct {
	const char *name;
	enum attr attr;
	bool search_only;    /* not an order_by key */
} attrs[] = {
	{ "artifact_uri", A_ARTIFACT_URI, false },
	{ "end_time", A_END_TIME, false },
	{ "run_id", A_RUN_ID, false },
	{ "run_name", A_RUN_NAME, false },
	{ "start_time", A_START_TIME, false },
	{ "status", A_STATUS, false },
	{ "user_id", A_USER_ID, false },
	{ "created", A_START_TIME, false },
	{ "Created", A_START_TIME, false },
	{ "run name", A_RUN_NAME, true },
	{ "Run name", A_RUN_NAME, true },
	{ "Run Name", A_RUN_NAME, true },
};

static const char *attr_name(enum attr a)
{
	switch (a) {
	case A_RUN_ID: return "run_id";
	case A_RUN_NAME: return "run_name";
	case A_STATUS: return "status";
	case A_USER_ID: return "user_id";
	case A_ARTIFACT_URI: return "artifact_uri";
	case A_START_TIME: return "start_time";
	case A_END_TIME: return "end_time";
	case A_NONE: break;
	}
	return "";
}

static bool attr_numeric(enum attr a)
{
	return a == A_START_TIME || a == A_END_TIME;
}

static const char *kind_name(enum kind k)
{
	switch (k) {
	case K_METRIC: return "metric";
	case K_PARAM: return "parameter";
	case K_TAG: return "tag";
	case K_ATTR: return "attribute";
	}
	return "";
}

/* The entity before the dot, backticks trimmed; false when unknown. */
static bool entity(const char *e, enum kind *k, bool *dataset)
{
	static const struct {
		const char *name;
		enum kind kind;
	} ents[] = {
		{ "metric", K_METRIC }, { "metrics", K_METRIC },
		{ "parameter", K_PARAM }, { "parameters", K_PARAM },
		{ "param", K_PARAM }, { "params", K_PARAM },
		{ "tag", K_TAG }, { "tags", K_TAG },
		{ "attribute", K_ATTR }, { "attributes", K_ATTR },
		{ "attr", K_ATTR }, { "run", K_ATTR },
	};
	size_t i;

	*dataset = !strcmp(e, "dataset") || !strcmp(e, "datasets");
	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (!strcmp(e, ents[i].name)) {
			*k = ents[i].kind;
			return true;
		}
	return *dataset;
}

/* MLflow's key: quotes stripped, then backticks. */
static char *key_of(char *raw)
{
	size_t n = strlen(raw);
	char *k;

	if (n >= 2 && ((raw[0] == '\'' && raw[n - 1] == '\'') ||
		       (raw[0] == '"' && raw[n - 1] == '"'))) {
		memmove(raw, raw + 1, n - 2);
		raw[n - 2] = '\0';
		n -= 2;
	}
	if (n >= 2 && raw[0] == '`' && raw[n - 1] == '`') {
		k = xstrndup(raw + 1, n - 2);
		free(raw);
		return k;
	}
	return raw;
}

static const char *valid_attrs(bool order)
{
	return order ? "artifact_uri, created, end_time, run_id, run_name, "
		       "start_time, status, user_id"
		     : "artifact_uri, created, end_time, run_id, run_name, "
		       "start_time, status, user_id, 'run name'";
}

/* One part of an identifier: a backticked or quoted token, or a run of
 * \w (with dots when dots is true). Returns the raw text or NULL. */
static char *lex_part(struct ctx *c, size_t *p, bool dots, bool quotes)
{
	const char *s = c->s;
	size_t a = *p;

	if (s[a] == '`' || (quotes && (s[a] == '"' || s[a] == '\''))) {
		if (!lex_quoted(s, p, s[a])) {
			if (c->in_clause)
				fail_clause(c, c->clause_at, a);
			else
				fail(c, a, "Unclosed %c in identifier", s[a]);
			return NULL;
		}
		return xstrndup(s + a, *p - a);
	}
	while (is_word(s[*p]) || (dots && s[*p] == '.' && *p > a))
		(*p)++;
	if (*p == a)
		return NULL;
	return xstrndup(s + a, *p - a);
}

static bool parse_ident(struct ctx *c, size_t *p, bool order,
			struct ident *id)
{
	const char *s = c->s;
	size_t start = *p, i;
	char *ent, *key;

	memset(id, 0, sizeof(*id));
	ent = lex_part(c, p, false, true);
	if (!ent) {
		if (!c->failed) {
			size_t b = start;

			while (s[b] && !is_ws(s[b]))
				b++;
			char *got = piece(s, start, b > start ? b : start);

			fail(c, start, "Invalid clause: expected an identifier "
			     "such as metrics.KEY, params.KEY, tags.KEY or "
			     "attributes.KEY, found '%s'", got);
			free(got);
		}
		return false;
	}
	if (s[*p] == '.' && ent[0] != '"' && ent[0] != '\'') {
		(*p)++;
		key = lex_part(c, p, true, true);
		if (!key) {
			if (!c->failed)
				fail(c, *p, "Invalid identifier '%.*s': a key "
				     "must follow the dot (quote or backtick "
				     "keys with other characters)",
				     (int)(*p - start), s + start);
			free(ent);
			return false;
		}
		if (s[*p] == '.' || s[*p] == '`' || s[*p] == '"' ||
		    s[*p] == '\'') {
			fail(c, *p, "Invalid identifier: quote or backtick a "
			     "key as a whole");
			free(ent);
			free(key);
			return false;
		}
		key = key_of(key);
		{
			/* backticks around the entity are trimmed */
			size_t n = strlen(ent);

			if (n >= 2 && ent[0] == '`' && ent[n - 1] == '`') {
				memmove(ent, ent + 1, n - 2);
				ent[n - 2] = '\0';
			}
		}
		if (!entity(ent, &id->kind, &id->dataset)) {
			fail(c, start, "Invalid entity type '%s'. Valid values "
			     "are metric(s), parameter(s)/param(s), tag(s), "
			     "attribute(s)/attr/run", ent);
			free(ent);
			free(key);
			return false;
		}
		free(ent);
		if (id->dataset) {
			fail(c, start, "mltop does not search datasets yet");
			free(key);
			return false;
		}
	} else {
		id->kind = K_ATTR;
		key = key_of(ent);
	}
	if (id->kind == K_ATTR) {
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
			if (!strcmp(key, attrs[i].name) &&
			    !(order && attrs[i].search_only)) {
				id->attr = attrs[i].attr;
				break;
			}
		if (id->attr == A_NONE) {
			char *k = echo(key);

			fail(c, start, "Invalid attribute key '%s' specified. "
			     "Valid keys are %s", k, valid_attrs(order));
			free(k);
			free(key);
			return false;
		}
		free(key);
		key = xstrdup(attr_name(id->attr));
	}
	id->key = key;
	return true;
}

/* --- values -------------------------------------------------------------- */

/* A number as sqlparse reads one: -?(\d+(\.\d*)?|\.\d+)([eE]-?\d+)?,
 * not followed by \w. Returns its end, or 0 when s[p] starts none. */
static size_t lex_number(const char *s, size_t p, bool *is_int)
{
	size_t i = p;

	*is_int = true;
	if (s[i] == '-')
		i++;
	if (is_digit(s[i])) {
		while (is_digit(s[i]))
			i++;
		if (s[i] == '.') {
			*is_int = false;
			i++;
			while (is_digit(s[i]))
				i++;
		}
	} else if (s[i] == '.' && is_digit(s[i + 1])) {
		*is_int = false;
		i++;
		while (is_digit(s[i]))
			i++;
		/* ".5e1" is "." and "5e1" to MLflow: no number */
		if (s[i] == 'e' || s[i] == 'E')
			return 0;
	} else {
		return 0;
	}
	if ((s[i] == 'e' || s[i] == 'E') &&
	    (is_digit(s[i + 1]) || (s[i + 1] == '-' && is_digit(s[i + 2])))) {
		*is_int = false;
		i += s[i + 1] == '-' ? 2 : 1;
		while (is_digit(s[i]))
			i++;
	}
	if (is_word(s[i]))
		return 0;
	return i;
}

/* End of the token at s[p] for a message: a quoted token, a number or
 * a word, else one character. */
static size_t token_end(const char *s, size_t p)
{
	size_t q = p;
	bool is_int;

	if (s[p] == '\'' || s[p] == '"' || s[p] == '`')
		return lex_quoted(s, &q, s[p]) ? q : strlen(s);
	if ((q = lex_number(s, p, &is_int)) != 0)
		return q;
	q = p;
	while (is_word(s[q]) || s[q] == '.' || s[q] == '-' || s[q] == '+')
		q++;
	if (q == p && s[p]) {
		q++;
		while (((unsigned char)s[q] & 0xC0) == 0x80)
			q++;
	}
	return q;
}

/* One Python string literal of an IN list at s[*p] (the quote), decoded
 * as ast.literal_eval would for the escapes people type. */
static bool list_string(struct ctx *c, size_t *p, char **out)
{
	const char *s = c->s;
	char q = s[*p];
	size_t i = *p + 1, n = 0;
	char *buf = xmalloc(strlen(s + i) + 1);

	for (;;) {
		if (!s[i]) {
			free(buf);
			fail(c, *p, "While parsing a list in the query, "
			     "expected a non-empty list of string values, "
			     "but got ill-formed list.");
			return false;
		}
		if (s[i] == q)
			break;
		if (s[i] == '\\') {
			char e = s[i + 1];

			switch (e) {
			case '\\': case '\'': case '"':
				buf[n++] = e;
				break;
			case 'n': buf[n++] = '\n'; break;
			case 't': buf[n++] = '\t'; break;
			case 'r': buf[n++] = '\r'; break;
			case 'x': case 'u': case 'U': case 'N': case 'a':
			case 'b': case 'f': case 'v': case '\n':
			case '0': case '1': case '2': case '3': case '4':
			case '5': case '6': case '7': case '\0':
				free(buf);
				fail(c, i, "mltop does not read the escape "
				     "'\\%c' in a list: write the character "
				     "itself", e ? e : ' ');
				return false;
			default:
				buf[n++] = '\\';
				buf[n++] = e;
				break;
			}
			i += 2;
			continue;
		}
		buf[n++] = s[i++];
	}
	buf[n] = '\0';
	*p = i + 1;
	*out = buf;
	return true;
}

/* An IN list: ( 'a' [ 'b' ...adjacent strings join] , ... [,] ). */
static bool parse_list(struct ctx *c, size_t *p, struct search *q,
		       struct clause *cl)
{
	const char *s = c->s;
	size_t start = *p, cap = 0;

	(*p)++;
	for (;;) {
		char *v = NULL;

		skip_ws(s, p);
		if (s[*p] == ')' && cl->nlist == 0) {
			fail(c, start, "While parsing a list in the query, "
			     "expected a non-empty list of string values, "
			     "but got empty list");
			return false;
		}
		if (s[*p] == ')')
			break;
		if (s[*p] != '\'' && s[*p] != '"') {
			size_t e = token_end(s, *p);
			char *got = piece(s, *p, e);

			if (!s[*p])
				fail(c, start, "While parsing a list in the "
				     "query, expected a non-empty list of "
				     "string values, but got ill-formed list.");
			else
				fail(c, *p, "While parsing a list in the "
				     "query, expected string value, "
				     "punctuation, or whitespace, but got "
				     "'%s'", got);
			free(got);
			return false;
		}
		/* adjacent literals concatenate, as in Python */
		while (s[*p] == '\'' || s[*p] == '"') {
			char *part;

			if (!list_string(c, p, &part)) {
				free(v);
				return false;
			}
			if (v) {
				char *j = xasprintf("%s%s", v, part);

				free(v);
				free(part);
				v = j;
			} else {
				v = part;
			}
			skip_ws(s, p);
		}
		if (q->nlist >= SEARCH_MAX_LIST) {
			free(v);
			fail(c, *p, "Too many values in IN lists (mltop takes "
			     "up to %d in a filter)", SEARCH_MAX_LIST);
			return false;
		}
		cl->list = xgrow(cl->list, &cap, cl->nlist + 1,
				 sizeof(*cl->list));
		cl->list[cl->nlist++] = v;
		q->nlist++;
		if (s[*p] == ',') {
			(*p)++;
			continue;
		}
		if (s[*p] == ')')
			break;
		fail(c, *p, "While parsing a list in the query, expected a "
		     "non-empty list of string values, but got ill-formed "
		     "list.");
		return false;
	}
	(*p)++;
	return true;
}

/* LIKE pattern -> GLOB pattern (ILIKE: ASCII letters lowered). */
static char *like_to_glob(const char *pat, bool fold)
{
	size_t n = 0;
	char *g = xmalloc(strlen(pat) * 3 + 1);

	for (; *pat; pat++) {
		switch (*pat) {
		case '%': g[n++] = '*'; break;
		case '_': g[n++] = '?'; break;
		case '*': case '?': case '[':
			g[n++] = '[';
			g[n++] = *pat;
			g[n++] = ']';
			break;
		default:
			g[n++] = fold ? lower(*pat) : *pat;
		}
	}
	g[n] = '\0';
	return g;
}

/* --- clauses ------------------------------------------------------------- */

static const char *ops_for(enum kind k, enum attr a)
{
	if (k == K_METRIC || (k == K_ATTR && attr_numeric(a)))
		return "=, !=, <, <=, >, >=";
	if (k == K_ATTR)
		return a == A_RUN_ID ? "=, !=, LIKE, ILIKE, IN, NOT IN"
				     : "=, !=, LIKE, ILIKE";
	return "=, !=, LIKE, ILIKE, IS NULL, IS NOT NULL";
}

static bool op_allowed(enum kind k, enum attr a, enum op op)
{
	if (k == K_METRIC || (k == K_ATTR && attr_numeric(a)))
		return op <= OP_GE;
	if (k == K_ATTR)
		return op == OP_EQ || op == OP_NE || op == OP_LIKE ||
		       op == OP_ILIKE ||
		       ((op == OP_IN || op == OP_NOT_IN) && a == A_RUN_ID);
	return op == OP_EQ || op == OP_NE || op == OP_LIKE ||
	       op == OP_ILIKE || op == OP_IS_NULL || op == OP_NOT_NULL;
}

/* The comparator at s[*p]; false (and an error) when there is none. */
static bool parse_op(struct ctx *c, size_t *p, const char *ident_text,
		     enum op *op)
{
	const char *s = c->s;
	size_t a = *p, b;

	if (!s[a]) {
		fail(c, a, "Invalid clause(s) in filter string: '%s' has no "
		     "comparator", ident_text);
		return false;
	}
	if (strchr("<>=!~", s[a])) {
		static const struct {
			const char *t;
			enum op op;
		} ops[] = {
			{ "=", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT },
			{ "<=", OP_LE }, { ">", OP_GT }, { ">=", OP_GE },
		};
		size_t i;

		b = a;
		while (s[b] && strchr("<>=!~", s[b]))
			b++;
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (strlen(ops[i].t) == b - a &&
			    !strncmp(ops[i].t, s + a, b - a)) {
				*op = ops[i].op;
				*p = b;
				return true;
			}
		fail(c, a, "Invalid comparator '%.*s'", (int)(b - a), s + a);
		return false;
	}
	if (keyword(s, a, "LIKE")) {
		*op = OP_LIKE;
		*p = a + 4;
		return true;
	}
	if (keyword(s, a, "ILIKE")) {
		*op = OP_ILIKE;
		*p = a + 5;
		return true;
	}
	if (keyword(s, a, "IN")) {
		*op = OP_IN;
		*p = a + 2;
		return true;
	}
	if (keyword(s, a, "NOT")) {
		b = a + 3;
		skip_ws(s, &b);
		if (keyword(s, b, "IN")) {
			*op = OP_NOT_IN;
			*p = b + 2;
			return true;
		}
		fail(c, a, "Invalid comparator 'NOT %.*s'",
		     (int)(token_end(s, b) - b), s + b);
		return false;
	}
	if (keyword(s, a, "IS")) {
		b = a + 2;
		skip_ws(s, &b);
		if (keyword(s, b, "NULL")) {
			*op = OP_IS_NULL;
			*p = b + 4;
			return true;
		}
		/* "NOT NULL" is one keyword to MLflow: one space inside */
		if (keyword(s, b, "NOT") && s[b + 3] == ' ') {
			b += 4;
			if (keyword(s, b, "NULL")) {
				*op = OP_NOT_NULL;
				*p = b + 4;
				return true;
			}
		}
		fail(c, a, "Invalid comparator: IS must be followed by NULL "
		     "or NOT NULL (one space between NOT and NULL)");
		return false;
	}
	b = token_end(s, a);
	fail(c, a, "Invalid comparator '%.*s'", (int)(b - a), s + a);
	return false;
}

static void clause_free(struct clause *cl)
{
	size_t i;

	free(cl->key);
	free(cl->str);
	free(cl->glob);
	for (i = 0; i < cl->nlist; i++)
		free(cl->list[i]);
	free(cl->list);
}

/* The value of a clause at s[*p], checked against its kind. */
static bool parse_value(struct ctx *c, size_t *p, struct search *q,
			struct clause *cl)
{
	const char *s = c->s;
	size_t a = *p, e;
	bool is_int;
	bool numeric = cl->kind == K_METRIC ||
		       (cl->kind == K_ATTR && attr_numeric(cl->attr));
	char *got;

	if (cl->op == OP_IS_NULL || cl->op == OP_NOT_NULL)
		return true;
	if (!s[a] || keyword(s, a, "AND")) {
		fail_clause(c, c->clause_at, a);
		return false;
	}
	if (cl->op == OP_IN || cl->op == OP_NOT_IN) {
		if (s[a] != '(') {
			e = token_end(s, a);
			got = piece(s, a, e);
			fail(c, a, "Invalid clause(s) in filter string: IN "
			     "takes a list such as ('a', 'b'), found '%s'",
			     got);
			free(got);
			return false;
		}
		return parse_list(c, p, q, cl);
	}
	if (s[a] == '(') {
		if (cl->kind == K_ATTR && !numeric)
			fail(c, a, "Only ['run_id'] attributes support "
			     "comparison with a list of quoted string values, "
			     "with IN or NOT IN.");
		else
			fail(c, a, "A list of values goes with IN or NOT IN "
			     "on attributes.run_id only");
		return false;
	}
	e = token_end(s, a);
	got = piece(s, a, e);
	if (numeric) {
		size_t n = lex_number(s, a, &is_int);

		/* A sign or a dot MLflow's tokenizer splits off: not a
		 * value at all. */
		if (!n && (s[a] == '+' || s[a] == '.' ||
			   (s[a] == '-' && !is_digit(s[a + 1])))) {
			fail_clause(c, c->clause_at, a);
			free(got);
			return false;
		}
		if (!n) {
			if (cl->kind == K_METRIC)
				fail(c, a, "Expected numeric value type for "
				     "metric. Found %s", got);
			else
				fail(c, a, "Expected numeric value type for "
				     "numeric attribute: %s. Found %s",
				     cl->key, got);
			free(got);
			return false;
		}
		{
			char *num = xstrndup(s + a, n - a);

			cl->num = strtod(num, NULL);
			if (cl->kind == K_ATTR && is_int) {
				char *end;
				long long v;

				errno = 0;
				v = strtoll(num, &end, 10);
				cl->is_int = !errno && !*end;
				cl->inum = v;
			}
			free(num);
		}
		*p = n;
	} else {
		if (s[a] != '\'' && s[a] != '"') {
			if (s[a] == '`')
				fail(c, a, "Parameter value is either not "
				     "quoted or unidentified quote types used "
				     "for string value %s. Use either single "
				     "or double quotes.", got);
			else if (cl->kind == K_ATTR)
				fail(c, a, "Expected a quoted string value for "
				     "attributes. Got value %s", got);
			else
				fail(c, a, "Expected a quoted string value for "
				     "%s (e.g. 'my-value'). Got value %s",
				     kind_name(cl->kind), got);
			free(got);
			return false;
		}
		if (!lex_quoted(s, p, s[a])) {
			fail_clause(c, c->clause_at, a);
			free(got);
			return false;
		}
		cl->str = strip_ends(s, a, *p);
		if (cl->op == OP_LIKE || cl->op == OP_ILIKE)
			cl->glob = like_to_glob(cl->str, cl->op == OP_ILIKE);
	}
	free(got);
	return true;
}

static bool parse_clause(struct ctx *c, size_t *p, struct search *q)
{
	const char *s = c->s;
	size_t start = *p, opat;
	struct ident id;
	struct clause cl;
	char *text;

	if (s[start] == '(') {
		fail(c, start, "Invalid clause(s) in filter string: "
		     "parentheses are not supported (clauses are joined by "
		     "AND)");
		return false;
	}
	if (keyword(s, start, "OR") || keyword(s, start, "NOT")) {
		fail(c, start, "Invalid clause(s) in filter string: '%.*s' "
		     "(clauses are joined by AND)", keyword(s, start, "OR")
		     ? 2 : 3, s + start);
		return false;
	}
	c->in_clause = true;
	c->clause_at = start;
	if (!parse_ident(c, p, false, &id))
		return false;
	memset(&cl, 0, sizeof(cl));
	cl.kind = id.kind;
	cl.attr = id.attr;
	cl.key = id.key;
	text = piece(s, start, *p);
	skip_ws(s, p);
	opat = *p;
	if (!parse_op(c, p, text, &cl.op)) {
		free(text);
		clause_free(&cl);
		return false;
	}
	free(text);
	/* MLflow looks at the value's type before the comparator: a string
	 * for a number, a list for a param or tag. */
	if (!op_allowed(cl.kind, cl.attr, cl.op)) {
		size_t v = *p, e;
		bool numeric = cl.kind == K_METRIC ||
			       (cl.kind == K_ATTR && attr_numeric(cl.attr));
		char *got;

		skip_ws(s, &v);
		if (numeric && (s[v] == '\'' || s[v] == '"')) {
			e = token_end(s, v);
			got = piece(s, v, e);
			if (cl.kind == K_METRIC)
				fail(c, v, "Expected numeric value type for "
				     "metric. Found %s", got);
			else
				fail(c, v, "Expected numeric value type for "
				     "numeric attribute: %s. Found %s",
				     cl.key, got);
			free(got);
			clause_free(&cl);
			return false;
		}
		if ((cl.kind == K_PARAM || cl.kind == K_TAG) && s[v] == '(') {
			const char *close = strchr(s + v, ')');

			e = close ? (size_t)(close - s) + 1 : strlen(s);
			got = piece(s, v, e);
			fail(c, v, "Expected a quoted string value for %s "
			     "(e.g. 'my-value'). Got value %s",
			     kind_name(cl.kind), got);
			free(got);
			clause_free(&cl);
			return false;
		}
	}
	if (!op_allowed(cl.kind, cl.attr, cl.op)) {
		static const char *const names[] = {
			"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE",
			"IN", "NOT IN", "IS NULL", "IS NOT NULL",
		};

		if (cl.op == OP_IS_NULL || cl.op == OP_NOT_NULL)
			fail(c, opat, "IS NULL / IS NOT NULL is only supported "
			     "for tags and params, not for '%s' '%s'",
			     kind_name(cl.kind), cl.key);
		else if ((cl.op == OP_IN || cl.op == OP_NOT_IN) &&
			 cl.kind == K_ATTR && !attr_numeric(cl.attr))
			fail(c, opat, "Only ['run_id'] attributes support "
			     "comparison with a list of quoted string values.");
		else
			fail(c, opat, "Invalid comparator '%s' not one of "
			     "'%s'", names[cl.op], ops_for(cl.kind, cl.attr));
		clause_free(&cl);
		return false;
	}
	skip_ws(s, p);
	if (!parse_value(c, p, q, &cl)) {
		clause_free(&cl);
		return false;
	}
	if (q->nc >= SEARCH_MAX_CLAUSES) {
		fail(c, start, "Too many clauses (mltop takes up to %d)",
		     SEARCH_MAX_CLAUSES);
		clause_free(&cl);
		return false;
	}
	q->c = xgrow(q->c, &q->capc, q->nc + 1, sizeof(*q->c));
	q->c[q->nc++] = cl;
	return true;
}

/* Offset of the first byte that is not UTF-8, or (size_t)-1. */
static size_t bad_utf8(const char *s)
{
	size_t i = 0, n = strlen(s);

	while (i < n) {
		unsigned int cp;
		size_t k = utf8_decode(s + i, n - i, &cp);

		if (cp == 0xFFFD && !(k == 3 && !memcmp(s + i, "\xEF\xBF\xBD",
							3)))
			return i;
		i += k;
	}
	return (size_t)-1;
}

static bool parse_filter(struct ctx *c, struct search *q)
{
	const char *s = c->s;
	size_t p = 0, bad;

	if (strlen(s) > SEARCH_MAX_FILTER) {
		fail(c, SEARCH_MAX_FILTER, "Filter too long (mltop takes up "
		     "to %d bytes)", SEARCH_MAX_FILTER);
		return false;
	}
	if ((bad = bad_utf8(s)) != (size_t)-1) {
		fail(c, bad, "Invalid UTF-8");
		return false;
	}
	for (;;) {
		skip_ws(s, &p);
		if (!s[p])
			return true;
		if (keyword(s, p, "AND")) {
			p += 3;
			continue;
		}
		if (s[p] == ';') {
			fail(c, p, "Search filter contained multiple "
			     "expression. Provide AND-ed expression list.");
			return false;
		}
		if (!parse_clause(c, &p, q))
			return false;
	}
}

/* --- order_by ------------------------------------------------------------ */

static bool parse_order(struct ctx *c, struct order *o)
{
	const char *s = c->s;
	size_t p = 0, w;
	struct ident id;

	if (strlen(s) > SEARCH_MAX_ORDER_TEXT) {
		fail(c, SEARCH_MAX_ORDER_TEXT, "order_by clause too long");
		return false;
	}
	if (bad_utf8(s) != (size_t)-1) {
		fail(c, bad_utf8(s), "Invalid UTF-8");
		return false;
	}
	if (!s[0] || is_ws(s[0])) {
		fail(c, 0, "Invalid order_by clause. Could not be parsed.");
		return false;
	}
	if (!parse_ident(c, &p, true, &id))
		return false;
	o->kind = id.kind;
	o->attr = id.attr;
	o->key = id.key;
	o->asc = true;
	if (!s[p])
		return true;
	if (!is_ws(s[p])) {
		fail(c, p, "Invalid order_by clause. Could not be parsed.");
		return false;
	}
	skip_ws(s, &p);
	w = p;
	while (s[w] && !is_ws(s[w]))
		w++;
	if (w - p == 3 && keyword(s, p, "ASC"))
		o->asc = true;
	else if (w - p == 4 && keyword(s, p, "DESC"))
		o->asc = false;
	else if (!s[p]) {
		fail(c, p, "Invalid order_by clause. Could not be parsed.");
		return false;
	} else {
		fail(c, p, "Invalid ordering key in order_by clause (ASC or "
		     "DESC).");
		return false;
	}
	if (s[w]) {
		fail(c, w, "Invalid order_by clause. Could not be parsed.");
		return false;
	}
	return true;
}

/* --- the interface ---------------------------------------------------- */

void search_free(struct search *q)
{
	size_t i;

	if (!q)
		return;
	for (i = 0; i < q->nc; i++)
		clause_free(&q->c[i]);
	free(q->c);
	for (i = 0; i < q->ocap; i++) {
		free(q->order_text[i]);
		free(q->o[i].key);
	}
	free(q->order_text);
	free(q->o);
	free(q->filter);
	free(q);
}

struct search *search_parse(const char *filter, const char *const *order_by,
			    size_t norder, char **err)
{
	struct search *q = xcalloc(1, sizeof(*q));
	struct ctx c = { .what = "filter", .err = err };
	size_t i, j;

	if (err)
		*err = NULL;
	if (filter) {
		const char *t = filter;

		while (is_ws(*t))
			t++;
		if (!*t && *filter) {
			char *in = echo(filter);

			if (err)
				*err = xasprintf("Invalid filter '%s'. Could "
						 "not be parsed.", in);
			free(in);
			search_free(q);
			return NULL;
		}
		if (*t) {
			q->filter = xstrdup(filter);
			c.s = filter;
			if (!parse_filter(&c, q)) {
				search_free(q);
				return NULL;
			}
		}
	}
	if (norder > SEARCH_MAX_ORDER) {
		if (err)
			*err = xasprintf("Too many order_by clauses (mltop "
					 "takes up to %d)", SEARCH_MAX_ORDER);
		search_free(q);
		return NULL;
	}
	if (norder) {
		q->order_text = xcalloc(norder, sizeof(*q->order_text));
		q->o = xcalloc(norder, sizeof(*q->o));
		q->ocap = norder;
	}
	for (i = 0; i < norder; i++) {
		struct ctx oc = { .what = "order_by", .err = err,
				  .s = order_by[i] ? order_by[i] : "" };

		if (!parse_order(&oc, &q->o[i])) {
			search_free(q);
			return NULL;
		}
		q->order_text[i] = xstrdup(oc.s);
		q->no++;
		for (j = 0; j < i; j++)
			if (q->o[j].kind == q->o[i].kind &&
			    !strcmp(q->o[j].key, q->o[i].key)) {
				if (err) {
					char *a = echo(q->order_text[j]);
					char *b = echo(q->order_text[i]);

					*err = xasprintf("`order_by` contains "
							 "duplicate fields: "
							 "'%s' and '%s'", a, b);
					free(a);
					free(b);
				}
				search_free(q);
				return NULL;
			}
		if (q->o[i].kind == K_ATTR && q->o[i].attr == A_START_TIME)
			q->order_start = true;
	}
	return q;
}

bool search_has_filter(const struct search *q)
{
	return q && q->nc > 0;
}

const char *search_filter_text(const struct search *q)
{
	return q ? q->filter : NULL;
}

size_t search_order_count(const struct search *q)
{
	return q ? q->no : 0;
}

const char *search_order_text(const struct search *q, size_t i)
{
	return q && i < q->no ? q->order_text[i] : NULL;
}

/* --- matching in memory ---------------------------------------------- */

static const struct series *find_metric(const struct run *r, const char *key)
{
	size_t lo = 0, hi = r->nmetrics;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(r->metrics[mid].key, key);

		if (d == 0)
			return r->metrics[mid].has_latest ? &r->metrics[mid]
							  : NULL;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A param or tag: *found whether the key is there at all (a tag may hold
 * NULL, which the SQL sees as a row with a NULL value). */
static const char *find_kv(const struct kv_list *l, const char *key,
			   bool *found)
{
	const char *v = kv_list_get(l, key);
	size_t i;

	*found = v != NULL;
	if (v)
		return v;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key)) {
			*found = true;
			break;
		}
	return NULL;
}

static const char *next_char(const char *s)
{
	s++;
	while (((unsigned char)*s & 0xC0) == 0x80)
		s++;
	return s;
}

/* SQLite's LIKE as MLflow has it: case-sensitive (fold: ASCII letters
 * folded), '%' any run, '_' one character, no escape. Iterative, with
 * one backtrack point: linear in practice, no recursion. */
static bool like(const char *s, const char *p, bool fold)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		if (*p == '%') {
			while (*p == '%')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p == '_') {
			s = next_char(s);
			p++;
			continue;
		}
		if (*p && (fold ? lower(*p) == lower(*s) : *p == *s)) {
			p++;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		star_s = next_char(star_s);
		s = star_s;
		p = star_p;
	}
	while (*p == '%')
		p++;
	return !*p;
}

static bool cmp_num(enum op op, double a, double b)
{
	switch (op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return false;
	}
}

static bool cmp_int(enum op op, int64_t a, int64_t b)
{
	switch (op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return false;
	}
}

static bool cmp_str(const struct clause *cl, const char *v)
{
	size_t i;

	if (!v)
		return false;
	switch (cl->op) {
	case OP_EQ: return !strcmp(v, cl->str);
	case OP_NE: return strcmp(v, cl->str) != 0;
	case OP_LIKE: return like(v, cl->str, false);
	case OP_ILIKE: return like(v, cl->str, true);
	case OP_IN:
	case OP_NOT_IN:
		for (i = 0; i < cl->nlist; i++)
			if (!strcmp(v, cl->list[i]))
				return cl->op == OP_IN;
		return cl->op == OP_NOT_IN;
	default: return false;
	}
}

static const char *run_status_text(const struct run *r)
{
	return r->status_str ? r->status_str : run_status_name(r->status);
}

static bool match_clause(const struct clause *cl, const struct run *r)
{
	const struct series *ser;
	const char *v;
	bool found;
	int64_t t;

	switch (cl->kind) {
	case K_METRIC:
		ser = find_metric(r, cl->key);
		return ser && cmp_num(cl->op, ser->latest.value, cl->num);
	case K_PARAM:
	case K_TAG:
		v = find_kv(cl->kind == K_PARAM ? &r->params : &r->tags,
			    cl->key, &found);
		if (cl->op == OP_IS_NULL)
			return !found;
		if (cl->op == OP_NOT_NULL)
			return found;
		return cmp_str(cl, v);
	case K_ATTR:
		break;
	}
	switch (cl->attr) {
	case A_RUN_ID: return cmp_str(cl, r->id);
	case A_RUN_NAME:
		return cmp_str(cl, kv_list_get(&r->tags, "mlflow.runName"));
	case A_STATUS: return cmp_str(cl, run_status_text(r));
	case A_USER_ID: return cmp_str(cl, r->user_id);
	case A_ARTIFACT_URI: return cmp_str(cl, r->artifact_uri);
	case A_START_TIME:
	case A_END_TIME:
		t = cl->attr == A_START_TIME ? r->start_time : r->end_time;
		if (cl->attr == A_END_TIME && t == 0)
			return false;      /* NULL: a run not ended */
		return cl->is_int ? cmp_int(cl->op, t, cl->inum)
				  : cmp_num(cl->op, (double)t, cl->num);
	case A_NONE: break;
	}
	return false;
}

bool search_match(const struct search *q, const struct run *r)
{
	size_t i;

	if (!q)
		return true;
	for (i = 0; i < q->nc; i++)
		if (!match_clause(&q->c[i], r))
			return false;
	return true;
}

/* --- ordering -------------------------------------------------------- */

struct sortval {
	int cat;            /* 0 a value, 1 NaN, 2 missing */
	bool is_str;
	const char *s;
	double d;
	int64_t i;
};

static struct sortval sort_value(const struct order *o, const struct run *r)
{
	struct sortval v = { .cat = 2 };
	const struct series *ser;
	bool found;

	switch (o->kind) {
	case K_METRIC:
		ser = find_metric(r, o->key);
		if (ser) {
			v.cat = isnan(ser->latest.value) ? 1 : 0;
			v.d = ser->latest.value;
		}
		return v;
	case K_PARAM:
	case K_TAG:
		v.is_str = true;
		v.s = find_kv(o->kind == K_PARAM ? &r->params : &r->tags,
			      o->key, &found);
		break;
	case K_ATTR:
		switch (o->attr) {
		case A_START_TIME:
		case A_END_TIME:
			v.i = o->attr == A_START_TIME ? r->start_time
						      : r->end_time;
			v.cat = o->attr == A_END_TIME && v.i == 0 ? 2 : 0;
			return v;
		case A_RUN_ID: v.s = r->id; break;
		case A_RUN_NAME: v.s = r->name; break;
		case A_STATUS: v.s = run_status_text(r); break;
		case A_USER_ID: v.s = r->user_id; break;
		case A_ARTIFACT_URI: v.s = r->artifact_uri; break;
		case A_NONE: break;
		}
		v.is_str = true;
		break;
	}
	v.cat = v.s ? 0 : 2;
	return v;
}

static int sign(int d)
{
	return (d > 0) - (d < 0);
}

int search_cmp(const struct search *q, const struct run *a,
	       const struct run *b)
{
	size_t i;
	int d;

	for (i = 0; q && i < q->no; i++) {
		struct sortval x = sort_value(&q->o[i], a);
		struct sortval y = sort_value(&q->o[i], b);

		if (x.cat != y.cat)
			return x.cat < y.cat ? -1 : 1;   /* either direction */
		if (x.cat != 0)
			continue;
		if (x.is_str)
			d = sign(strcmp(x.s, y.s));
		else if (q->o[i].kind == K_METRIC)
			d = (x.d > y.d) - (x.d < y.d);
		else
			d = (x.i > y.i) - (x.i < y.i);
		if (d)
			return q->o[i].asc ? d : -d;
	}
	if (!q || !q->order_start) {
		if (a->start_time != b->start_time)
			return a->start_time > b->start_time ? -1 : 1;
	}
	return sign(strcmp(a->id ? a->id : "", b->id ? b->id : ""));
}

/* --- SQL ------------------------------------------------------------- */

enum bind_type { B_TEXT, B_DOUBLE, B_INT };

struct bval {
	enum bind_type type;
	char *s;            /* owned */
	double d;
	int64_t i;
};

struct sql_priv {
	struct bval *v;
	size_t n, cap;
	int first;
	char *buf;          /* the WHERE text being built */
	size_t len, bcap;
};

static void put(struct sql_priv *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct sql_priv *w, const char *fmt, ...)
{
	va_list ap;
	char *t;
	size_t n;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(t);
	w->buf = xgrow(w->buf, &w->bcap, w->len + n + 1, 1);
	memcpy(w->buf + w->len, t, n + 1);
	w->len += n;
	free(t);
}

/* Adds a value to bind; returns its ?N. */
static int bind_text(struct sql_priv *w, const char *s)
{
	w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof(*w->v));
	w->v[w->n] = (struct bval){ .type = B_TEXT, .s = xstrdup(s) };
	return w->first + (int)w->n++;
}

static int bind_num(struct sql_priv *w, const struct clause *cl)
{
	w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof(*w->v));
	w->v[w->n] = cl->is_int
		? (struct bval){ .type = B_INT, .i = cl->inum }
		: (struct bval){ .type = B_DOUBLE, .d = cl->num };
	return w->first + (int)w->n++;
}

/* "<col> <op> ?N" for a string comparison (LIKE as GLOB). */
static void str_cond(struct sql_priv *w, const struct clause *cl,
		     const char *col)
{
	size_t i;

	if (cl->op == OP_IN || cl->op == OP_NOT_IN) {
		put(w, "%s %s (", col, op_sql[cl->op]);
		for (i = 0; i < cl->nlist; i++)
			put(w, "%s?%d", i ? ", " : "",
			    bind_text(w, cl->list[i]));
		put(w, ")");
		return;
	}
	if (cl->op == OP_ILIKE)
		put(w, "lower(%s) GLOB ?%d", col, bind_text(w, cl->glob));
	else if (cl->op == OP_LIKE)
		put(w, "%s GLOB ?%d", col, bind_text(w, cl->glob));
	else
		put(w, "%s %s ?%d", col, op_sql[cl->op], bind_text(w, cl->str));
}

static void clause_sql(struct sql_priv *w, const struct clause *cl)
{
	static const char *const kv_table[] = { "", "params", "tags" };
	int k;

	switch (cl->kind) {
	case K_METRIC:
		k = bind_text(w, cl->key);
		put(w, "EXISTS (SELECT 1 FROM latest_metrics m WHERE "
		    "m.run_uuid = r.run_uuid AND m.key = ?%d AND ", k);
		if (cl->op == OP_NE)
			put(w, "(m.value != ?%d OR m.is_nan = 1))",
			    bind_num(w, cl));
		else
			put(w, "m.value %s ?%d AND m.is_nan = 0)",
			    op_sql[cl->op], bind_num(w, cl));
		return;
	case K_PARAM:
	case K_TAG:
		k = bind_text(w, cl->key);
		put(w, "%sEXISTS (SELECT 1 FROM %s x WHERE x.run_uuid = "
		    "r.run_uuid AND x.key = ?%d",
		    cl->op == OP_IS_NULL ? "NOT " : "", kv_table[cl->kind], k);
		if (cl->op != OP_IS_NULL && cl->op != OP_NOT_NULL) {
			put(w, " AND ");
			str_cond(w, cl, "x.value");
		}
		put(w, ")");
		return;
	case K_ATTR:
		break;
	}
	switch (cl->attr) {
	case A_RUN_NAME:
		k = bind_text(w, "mlflow.runName");
		put(w, "EXISTS (SELECT 1 FROM tags x WHERE x.run_uuid = "
		    "r.run_uuid AND x.key = ?%d AND ", k);
		str_cond(w, cl, "x.value");
		put(w, ")");
		return;
	case A_START_TIME:
	case A_END_TIME:
		put(w, "r.%s %s ?%d", attr_name(cl->attr), op_sql[cl->op],
		    bind_num(w, cl));
		return;
	case A_RUN_ID: str_cond(w, cl, "r.run_uuid"); return;
	case A_STATUS: str_cond(w, cl, "r.status"); return;
	case A_USER_ID: str_cond(w, cl, "r.user_id"); return;
	case A_ARTIFACT_URI: str_cond(w, cl, "r.artifact_uri"); return;
	case A_NONE: break;
	}
	put(w, "0");
}

int search_sql(const struct search *q, int first_param, bool runs_name,
	       struct search_sql *out, char **err)
{
	return search_sql_ex(q, first_param, runs_name, false, out, err);
}

size_t search_metric_count(const struct search *q)
{
	size_t n = 0;

	for (size_t i = 0; q && i < q->nc; i++)
		n += q->c[i].kind == K_METRIC;
	return n;
}

static const struct clause *metric_clause(const struct search *q, size_t i)
{
	for (size_t c = 0; q && c < q->nc; c++)
		if (q->c[c].kind == K_METRIC && i-- == 0)
			return &q->c[c];
	return NULL;
}

const char *search_metric_key(const struct search *q, size_t i)
{
	const struct clause *cl = metric_clause(q, i);

	return cl ? cl->key : NULL;
}

bool search_metric_test(const struct search *q, size_t i, double v)
{
	const struct clause *cl = metric_clause(q, i);

	return cl && cmp_num(cl->op, v, cl->num);
}

int search_sql_ex(const struct search *q, int first_param, bool runs_name,
		  bool no_metrics, struct search_sql *out, char **err)
{
	struct sql_priv *w = xcalloc(1, sizeof(*w));
	size_t i, n = 0;

	(void)runs_name;   /* the filter reads the run name from its tag */
	if (err)
		*err = NULL;
	memset(out, 0, sizeof(*out));
	if (first_param < 1) {
		if (err)
			*err = xstrdup("search_sql: parameters start at ?1");
		free(w);
		return -1;
	}
	w->first = first_param;
	for (i = 0; q && i < q->nc; i++) {
		if (no_metrics && q->c[i].kind == K_METRIC)
			continue;
		if (n++)
			put(w, " AND ");
		put(w, "(");
		clause_sql(w, &q->c[i]);
		put(w, ")");
	}
	if (!n)
		put(w, "1");
	out->where = w->buf;
	w->buf = NULL;
	out->nparams = (int)w->n;
	out->priv = w;
	return 0;
}

/* One order_by clause as ORDER BY terms: the missing (and NaN) rank
 * first, always ascending, then the value in the clause's direction. */
static void order_sql(struct sql_priv *w, const struct order *o,
		      bool runs_name)
{
	static const char *const kv_table[] = { "", "params", "tags" };
	const char *dir = o->asc ? "" : " DESC";
	int k;

	switch (o->kind) {
	case K_METRIC:
		k = bind_text(w, o->key);
		put(w, "COALESCE((SELECT m.is_nan FROM latest_metrics m WHERE "
		    "m.run_uuid = r.run_uuid AND m.key = ?%d), 2), (SELECT "
		    "m.value FROM latest_metrics m WHERE m.run_uuid = "
		    "r.run_uuid AND m.key = ?%d)%s", k, k, dir);
		return;
	case K_PARAM:
	case K_TAG:
		k = bind_text(w, o->key);
		put(w, "(SELECT x.value FROM %s x WHERE x.run_uuid = "
		    "r.run_uuid AND x.key = ?%d) IS NULL, (SELECT x.value "
		    "FROM %s x WHERE x.run_uuid = r.run_uuid AND x.key = "
		    "?%d)%s", kv_table[o->kind], k, kv_table[o->kind], k, dir);
		return;
	case K_ATTR:
		break;
	}
	if (o->attr == A_RUN_NAME) {
		/* the name column, else the tag, as the store loads it */
		k = bind_text(w, "mlflow.runName");
		put(w, "%s(SELECT x.value FROM tags x WHERE x.run_uuid = "
		    "r.run_uuid AND x.key = ?%d)%s", runs_name ?
		    "COALESCE(r.name, " : "", k, runs_name ? ")" : "");
		put(w, " IS NULL, %s(SELECT x.value FROM tags x WHERE "
		    "x.run_uuid = r.run_uuid AND x.key = ?%d)%s%s",
		    runs_name ? "COALESCE(r.name, " : "", k,
		    runs_name ? ")" : "", dir);
		return;
	}
	{
		const char *col = o->attr == A_RUN_ID ? "run_uuid"
						      : attr_name(o->attr);

		put(w, "r.%s IS NULL, r.%s%s", col, col, dir);
	}
}

int search_sql_order(const struct search *q, int first_param,
		     bool runs_name, struct search_sql *out, char **err)
{
	struct sql_priv *w = xcalloc(1, sizeof(*w));
	size_t i;

	if (err)
		*err = NULL;
	memset(out, 0, sizeof(*out));
	if (first_param < 1) {
		if (err)
			*err = xstrdup("search_sql_order: parameters start "
				       "at ?1");
		free(w);
		return -1;
	}
	w->first = first_param;
	for (i = 0; q && i < q->no; i++) {
		order_sql(w, &q->o[i], runs_name);
		put(w, ", ");
	}
	if (!q || !q->order_start)
		put(w, "r.start_time DESC, ");
	put(w, "r.run_uuid");
	out->where = w->buf;
	w->buf = NULL;
	out->nparams = (int)w->n;
	out->priv = w;
	return 0;
}

int search_sql_bind(const struct search_sql *sql, sqlite3_stmt *st)
{
	const struct sql_priv *w = sql->priv;
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; w && i < w->n && rc == SQLITE_OK; i++) {
		int at = w->first + (int)i;

		switch (w->v[i].type) {
		case B_TEXT:
			rc = sqlite3_bind_text(st, at, w->v[i].s, -1,
					       SQLITE_TRANSIENT);
			break;
		case B_DOUBLE:
			rc = sqlite3_bind_double(st, at, w->v[i].d);
			break;
		case B_INT:
			rc = sqlite3_bind_int64(st, at, w->v[i].i);
			break;
		}
	}
	return rc == SQLITE_OK ? 0 : -1;
}

void search_sql_free(struct search_sql *sql)
{
	struct sql_priv *w;

	if (!sql)
		return;
	w = sql->priv;
	if (w) {
		size_t i;

		for (i = 0; i < w->n; i++)
			free(w->v[i].s);
		free(w->v);
		free(w->buf);
		free(w);
	}
	free(sql->where);
	memset(sql, 0, sizeof(*sql));
}
