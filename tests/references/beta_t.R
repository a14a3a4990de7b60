# Reference t statistics and two-sided p-values of beta convergence, from R's lm (summary), on
# the 31 provinces of data/. Writes tests/references/beta_t.h, which tests/test_metrics.c reads.
# Run from the repository root: Rscript tests/references/beta_t.R   (R 4.2.2, Debian 12)
obs <- read.csv("data/observations.csv", stringsAsFactors = FALSE)
reg <- read.csv("data/regions.csv", stringsAsFactors = FALSE)
prov <- reg$id[reg$kind == "province"]
out <- c("/* Made by tests/references/beta_t.R from data/ with R's lm: do not edit. */",
         "struct beta_t_case { const char *name; double years; size_t n;",
         "                     double y0[31], yT[31], beta, se, t, p; };",
         "static const struct beta_t_case beta_t_cases[] = {")
num <- function(x) paste(sprintf("%.17g", x), collapse = ", ")
for (cs in list(list("gdp_per_capita", 2005, 2019), list("gdp_per_capita", 2015, 2019),
                list("residents_disposable_income", 2016, 2024),
                list("public_expenditure_per_capita", 2018, 2023))) {
  ind <- cs[[1]]; from <- cs[[2]]; to <- cs[[3]]
  v <- obs[obs$indicator_id == ind & obs$region_id %in% prov, ]
  y0 <- setNames(v$value[v$year == from], v$region_id[v$year == from])
  yT <- setNames(v$value[v$year == to], v$region_id[v$year == to])
  ids <- intersect(prov, intersect(names(y0), names(yT)))
  y0 <- y0[ids]; yT <- yT[ids]
  co <- summary(lm(log(yT / y0) / (to - from) ~ log(y0)))$coefficients
  out <- c(out, sprintf("    {\"%s %d-%d\", %d, %d,", ind, from, to, to - from, length(ids)),
           sprintf("     {%s},", num(y0)), sprintf("     {%s},", num(yT)),
           sprintf("     %s},", num(co[2, c(1, 2, 3, 4)])))
}
out <- c(out, "};")
writeLines(out, "tests/references/beta_t.h")
