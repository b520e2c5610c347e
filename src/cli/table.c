/* table.c: plain text tables for the scripting commands.
 * One 5,000-character name must not push every other column off screen. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "cli/table.h"
#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"

#define CAP 60

void text_table_add(struct text_table *t, const char *const *vals)
{
	t->cells = xgrow(t->cells, &t->cap, (t->rows + 1) * (size_t)t->ncols,
			 sizeof(*t->cells));
	for (int c = 0; c < t->ncols; c++)
		t->cells[t->rows * (size_t)t->ncols + (size_t)c] =
			sanitize_text(vals[c] && *vals[c] ? vals[c] : "-");
	t->rows++;
}

void text_table_print(struct text_table *t, FILE *f)
{
	int w[16] = {0};
	char buf[CAP * 4 + 8];

	for (int c = 0; c < t->ncols && c < 16; c++) {
		w[c] = utf8_width(t->heads[c]);
		for (size_t r = 0; r < t->rows; r++) {
			int x = utf8_width(t->cells[r * (size_t)t->ncols +
						    (size_t)c]);

			if (x > w[c])
				w[c] = x > CAP ? CAP : x;
		}
	}
	for (size_t r = 0; r <= t->rows; r++) {
		for (int c = 0; c < t->ncols && c < 16; c++) {
			const char *v = r == 0 ? t->heads[c]
				: t->cells[(r - 1) * (size_t)t->ncols +
					   (size_t)c];
			bool last = c == t->ncols - 1;

			utf8_fit(v, w[c], !last, true, buf, sizeof(buf));
			fputs(buf, f);
			fputs(last ? "\n" : "  ", f);
		}
	}
	for (size_t i = 0; i < t->rows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->rows = t->cap = 0;
}
