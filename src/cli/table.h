/* table.h: the plain text tables of the scripting commands.
 * Cells are sanitised; columns are as wide as their widest cell, capped. */
#ifndef MLTOP_CLI_TABLE_H
#define MLTOP_CLI_TABLE_H

#include <stdio.h>

struct text_table {
	int ncols;               /* at most 16 */
	const char *const *heads;
	char **cells;            /* rows * ncols, sanitised, owned */
	size_t rows, cap;
};

/* Add a row of ncols values; NULL or "" shows as "-". */
void text_table_add(struct text_table *t, const char *const *vals);
/* Print and free the cells. */
void text_table_print(struct text_table *t, FILE *f);

#endif
