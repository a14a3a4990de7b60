# Reading the API from R: read.csv on a CSV answer (labels=1 adds names and units).
base <- Sys.getenv("PROSPERITY_URL", "http://localhost:8080")

income <- read.csv(paste0(base, "/v1/series?indicator=income_per_capita",
                          "&regions=urban,rural&format=csv&labels=1"))
ratio <- with(reshape(income[, c("region", "year", "value")], idvar = "year",
                      timevar = "region", direction = "wide"),
              data.frame(year = year, ratio = value.urban / value.rural))
print(tail(ratio))

# (checked by the test)
stopifnot(all(c("region_name", "unit", "value") %in% names(income)),
          is.numeric(income$value), all(ratio$ratio > 1, na.rm = TRUE))
