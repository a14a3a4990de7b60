/* api/contiguity.c — binary contiguity among a set of regions from the store's neighbours. */
#include "contiguity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define NOT_IN_SET SIZE_MAX

static const char *const links_choices[] = {"include", "exclude", NULL};
static const char *const isolated_choices[] = {"error", "keep", NULL};

int contiguity_parse(const struct query *q, struct contiguity_opts *o, struct api_error *err)
{
    memset(o, 0, sizeof *o);
    if (query_choice(q, "links", links_choices, 0, &o->exclude_links, err) != 0 ||
        query_choice(q, "isolated", isolated_choices, 0, &o->keep_isolated, err) != 0)
        return -1;
    return 0;
}

int contiguity_asked(const struct query *q)
{
    return query_get(q, "links") != NULL || query_get(q, "isolated") != NULL;
}

/* Sorts the N positions at A ascending (a region has a handful of neighbours). */
static void sort_positions(size_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = a[i], j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

int contiguity_build(const struct store *s, const uint32_t *regions, size_t n,
                     const struct contiguity_opts *o, struct contiguity *out, struct api_error *err)
{
    size_t nstore = store_region_count(s), links = 0, listed = 0;
    int exclude_links = o->exclude_links;
    memset(out, 0, sizeof *out);
    /* One pass: the neighbours go straight into a list sized for all the store lists of the
     * regions, the degrees into offsets as each region's part is written. */
    for (size_t i = 0; i < n; i++)
        listed += store_region_at(s, regions[i])->n_neighbours;
    size_t *pos = malloc((nstore ? nstore : 1) * sizeof *pos);
    out->offsets = malloc((n + 1) * sizeof *out->offsets);
    out->isolated = malloc((n ? n : 1) * sizeof *out->isolated);
    out->neighbours = malloc((listed ? listed : 1) * sizeof *out->neighbours);
    if (!pos || !out->offsets || !out->isolated || !out->neighbours)
        goto nomem;
    for (size_t r = 0; r < nstore; r++)
        pos[r] = NOT_IN_SET;
    for (size_t i = 0; i < n; i++)
        pos[regions[i]] = i;
    out->offsets[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const struct region *r = store_region_at(s, regions[i]);
        size_t *dst = &out->neighbours[out->offsets[i]], d = 0;
        for (uint32_t k = 0; k < r->n_neighbours; k++) {
            size_t at = pos[r->neighbours[k]];
            int link = r->neighbour_kinds[k] == NEIGHBOUR_LINK;
            if (at != NOT_IN_SET && !(exclude_links && link)) {
                dst[d++] = at;
                links += (size_t)link;
            }
        }
        sort_positions(dst, d);
        out->offsets[i + 1] = out->offsets[i] + d;
        if (d == 0)
            out->isolated[out->n_isolated++] = i;
    }
    /* The store's adjacency is symmetric, so every pair was seen from both ends. */
    out->n_pairs = out->offsets[n] / 2;
    out->n_link_pairs = links / 2;
    out->w = (struct spatial_weights){n, out->offsets, out->neighbours};
    free(pos);
    return 0;
nomem:
    free(pos);
    return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
}

int contiguity_require_neighbours(const struct store *s, const uint32_t *regions,
                                  const struct contiguity *c, const struct contiguity_opts *o,
                                  struct api_error *err)
{
    if (c->n_isolated == 0 || o->keep_isolated)
        return 0;
    char names[128] = "";
    size_t used = 0, shown = 0;
    for (; shown < c->n_isolated && shown < 4; shown++) {
        const char *id = store_region_at(s, regions[c->isolated[shown]])->id;
        int w = snprintf(names + used, sizeof names - used, "%s%s", shown ? ", " : "", id);
        if (w < 0 || (size_t)w >= sizeof names - used)
            break;
        used += (size_t)w;
    }
    char more[32] = "";
    if (shown < c->n_isolated)
        snprintf(more, sizeof more, " and %zu more", c->n_isolated - shown);
    return api_fail(err, 422, "isolated_region", "isolated",
                    "%s%s %s no neighbours among the selected regions with data (links=%s); "
                    "give isolated=keep to keep %s with a spatial lag of 0 (spdep zero.policy)",
                    names, more, c->n_isolated > 1 ? "have" : "has",
                    links_choices[o->exclude_links], c->n_isolated > 1 ? "them" : "it");
}

void contiguity_doc(struct doc *d, const struct store *s, const uint32_t *regions,
                    const struct contiguity *c, const struct contiguity_opts *o)
{
    doc_object_begin(d);
    doc_set_str(d, "style", "binary contiguity, row-standardised (spdep style W)");
    doc_set_str(d, "links", links_choices[o->exclude_links]);
    doc_set_str(d, "isolated", isolated_choices[o->keep_isolated]);
    doc_set_int(d, "pairs", (long long)c->n_pairs);
    doc_set_int(d, "link_pairs", (long long)c->n_link_pairs);
    doc_key(d, "isolated_regions");
    doc_array_begin(d);
    for (size_t k = 0; k < c->n_isolated; k++)
        doc_str(d, store_region_at(s, regions[c->isolated[k]])->id);
    doc_array_end(d);
    doc_object_end(d);
}

void contiguity_free(struct contiguity *c)
{
    free(c->offsets);
    free(c->neighbours);
    free(c->isolated);
    memset(c, 0, sizeof *c);
}
