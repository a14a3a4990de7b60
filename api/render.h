/* api/render.h — turning a handler's JSON into response bytes: JSON text or CSV. */
#ifndef PROSPERITY_RENDER_H
#define PROSPERITY_RENDER_H

#include <jansson.h>

#include "buf.h"

/* Serialises J (borrowed) into OUT: compact, or indented by two spaces when PRETTY. Numbers
 * print with 15 significant digits (4.8, not 4.7999999999999998); a non-finite number, which
 * jansson cannot hold anyway, would print as null. */
void render_json(const json_t *j, int pretty, struct buf *out);

/* How a JSON answer flattens into CSV rows. */
struct csv_spec {
    /* Keys of nested arrays from the top object down to the row objects, e.g.
     * {"series", "observations"}; none means the top object is the one row. */
    const char *rows[3];
    /* Row columns, NULL-terminated. A key is looked up in the row object, then in each
     * enclosing object; "a.b" reads key b of object a. An object value prints its "id". */
    const char *columns[32];
};

/* Appends the header and rows of J (borrowed) as RFC 4180 CSV (CRLF line ends). Null is an
 * empty cell; an array of scalars is joined with ';'. */
void render_csv(const json_t *j, const struct csv_spec *spec, struct buf *out);

#endif
