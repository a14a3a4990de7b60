/* api/import.h — validates a folder of CSV files (the format of data/) and writes it as a new
 * SQLite database, atomically: a failed import leaves the target byte-identical. */
#ifndef PROSPERITY_IMPORT_H
#define PROSPERITY_IMPORT_H

#include <stdio.h>

/* Imports DIR into DB_PATH. Every problem goes to ERRS as one line "FILE:LINE: reason" (at most
 * IMPORT_MAX_ERRORS of them, then a count). Returns 0 on success, -1 on any problem. */
int import_dir(const char *dir, const char *db_path, FILE *errs);

#define IMPORT_MAX_ERRORS 50

/* The SQL that creates the schema (static string); the store checks loaded files against it. */
extern const char import_schema_sql[];
/* 2: indicators.unit_zh and description_zh, the neighbours table. */
#define IMPORT_SCHEMA_VERSION "2"

/* Returns 1 if S is a valid id: 1..64 bytes of [A-Za-z0-9_.-], not starting with '.' or '-'. */
int import_id_valid(const char *s, size_t len);
/* Parses S as a finite decimal number (sign, digits, fraction, exponent; nothing else).
 * Returns 0 and sets OUT, or -1. */
int import_parse_number(const char *s, double *out);
/* Parses S as a year 1000..9999 written as plain digits. Returns 0 and sets OUT, or -1. */
int import_parse_year(const char *s, int *out);

#endif
