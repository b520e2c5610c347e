/* test_filter.c: unit tests for the "/" filter.
 * Smart case, "!" inversion, PCRE2 errors and invalid UTF-8 subjects. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/filter.h"
#include "tap.h"

/* Compile pat and check it against a subject. */
static void match_is(const char *pat, const char *subject, bool want,
		     const char *name)
{
	char *err = NULL;
	struct filter *f = filter_new(pat, &err);

	if (!f) {
		ok(0, "%s: compile failed: %s", name, err ? err : "(no err)");
		free(err);
		return;
	}
	is_int(filter_match(f, subject), want, "%s", name);
	filter_free(f);
}

static void error_is(const char *pat, const char *want, const char *name)
{
	char *err = NULL;
	struct filter *f = filter_new(pat, &err);

	ok(f == NULL, "%s: no filter", name);
	is_str(err, want, "%s: error text", name);
	filter_free(f);
	free(err);
}

int main(void)
{
	struct filter *f;
	char *err;
	struct timespec t0, t1;
	double secs;

	if (!setlocale(LC_ALL, "C.UTF-8"))
		return tap_bail("no C.UTF-8 locale");

	/* no filter */
	err = (char *)1;
	f = filter_new("", &err);
	ok(f == NULL && err == NULL, "empty pattern: no filter, no error");
	err = (char *)1;
	f = filter_new(NULL, &err);
	ok(f == NULL && err == NULL, "NULL pattern: no filter, no error");
	err = (char *)1;
	f = filter_new("!", &err);
	ok(f == NULL && err == NULL, "a lone ! is still being typed");
	ok(filter_match(NULL, "anything"), "no filter matches everything");
	is_str(filter_pattern(NULL), "", "no filter has an empty pattern");

	/* plain and smart case */
	match_is("loss", "val_loss", true, "substring match");
	match_is("loss", "VAL_LOSS", true, "lower-case pattern is caseless");
	match_is("loss", "accuracy", false, "no match");
	match_is("Loss", "Loss", true, "upper-case pattern matches itself");
	match_is("Loss", "loss", false, "upper-case pattern is case-sensitive");
	match_is("[A-Z]+", "abc", false, "upper case in a class counts");
	match_is("^run-[0-9]+$", "run-42", true, "anchored regex");
	match_is("^run-[0-9]+$", "run-42x", false, "anchored regex, no match");
	match_is("lr|momentum", "MOMENTUM", true, "alternation, caseless");
	match_is("^2$", "bert-finetune-sst2\n2\nteam=nlp", true,
		 "^ and $ anchor at each \\n-joined field");
	match_is("sst2$", "bert-finetune-sst2\n2", true,
		 "$ ends the first field too");
	match_is("^team=nlp$", "x\n2\nteam=nlp", true, "last field");
	match_is("^nlp", "x\nteam=nlp", false, "^ is still a field start");

	/* upper case in syntax is not a literal */
	match_is("\\S+_loss", "VAL_LOSS", true,
		 "\\S does not make it sensitive");
	match_is("\\D\\Wloss\\B", "X LOSSy", true,
		 "\\D\\W\\B are syntax: caseless");
	match_is("\\x41", "a", true, "\\x41 is syntax: caseless 'A' matches a");
	match_is("\\x{42}c", "bC", true, "\\x{42} is syntax");
	match_is("(?<Name>foo)", "FOO", true, "group name is not a literal");
	match_is("(?P<Run>x)(?P=Run)", "XX", true, "(?P=Name) is syntax");
	match_is("(*UCP)abc", "ABC", true, "(*UCP) is syntax");
	match_is("\\p{Lu}", "A", true, "\\p{Lu} compiles and matches A");
	match_is("\\w+_LOSS", "val_loss", false,
		 "a literal upper case after an escape counts");
	match_is("\\QA.B\\E", "a.b", false, "\\Q quoted upper case counts");

	/* non-ASCII */
	match_is("\xc3\xa9t\xc3\xa9", "\xc3\x89T\xc3\x89", true,
		 "caseless works beyond ASCII (ete vs ETE)");
	match_is("\xc3\x89t\xc3\xa9", "\xc3\xa9t\xc3\xa9", false,
		 "a non-ASCII capital makes it case-sensitive");
	match_is("^.$", "\xe4\xb8\xad", true, ". is one code point (UTF mode)");
	match_is("\\w", "\xc3\xa9", true, "\\w knows letters beyond ASCII");

	/* invalid UTF-8 subjects match, never error */
	match_is("loss", "val_loss\xff", true, "invalid byte after a match");
	match_is("loss", "\xfe\xffloss", true, "invalid bytes before a match");
	match_is("x", "\xff\xfe\xc3", false, "all-invalid subject, no match");
	match_is("!x", "\xff\xfe\xc3", true, "inverted all-invalid subject");
	match_is("a.c", "a\xff" "c", false,
		 ". does not match an invalid byte");

	/* inversion */
	f = filter_new("!loss", NULL);
	ok(f != NULL, "!loss compiles");
	ok(filter_match(f, "accuracy"), "!loss keeps accuracy");
	ok(!filter_match(f, "val_loss"), "!loss drops val_loss");
	ok(filter_match(f, NULL), "!loss keeps a NULL subject");
	is_str(filter_pattern(f), "!loss", "pattern keeps its !");
	filter_free(f);
	match_is("!!", "a!", false, "!! drops subjects with a !");
	match_is("^!", "!x", true, "a ! not in front is a literal");

	/* errors */
	error_is("(abc", "missing closing parenthesis at offset 4",
		 "unclosed group");
	error_is("a{2,1}", "numbers out of order in {} quantifier at offset 5",
		 "bad quantifier");
	error_is("!*x", "quantifier does not follow a repeatable item at "
		 "offset 1", "error offset counts the typed !");
	err = NULL;
	f = filter_new("ab\xff", &err);
	ok(f == NULL && err && strstr(err, "UTF-8 error") &&
	   strstr(err, "at offset 2"), "invalid UTF-8 pattern: '%s'",
	   err ? err : "(null)");
	free(err);
	f = filter_new("(", NULL);
	ok(f == NULL, "a NULL err pointer is allowed");

	/* catastrophic backtracking is bounded */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	match_is("^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
		 false, "exponential pattern gives up as no match");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(secs < 2.0, "and gives up quickly (%.3fs)", secs);
	return done_testing();
}
