# Reading the API from pandas: a CSV answer with read_csv, a records answer with read_json.
import os

import pandas as pd

base = os.environ.get("PROSPERITY_URL", "http://localhost:8080")

# The whole panel of two indicators for the provinces, one row per indicator, region and year.
panel = pd.read_csv(f"{base}/v1/observations?indicators=gdp_per_capita,population"
                    "&regions=group:provinces&format=csv")
wide = panel.pivot_table(index=["region", "year"], columns="indicator", values="value")
print(wide.tail())

# Any answer with a CSV form also comes as records: flat JSON objects, numbers as numbers.
gini = pd.read_json(f"{base}/v1/gaps/dispersion?indicator=gdp_per_capita"
                    "&regions=group:provinces&format=records")
print(gini[["year", "gini", "theil_t", "cv"]].tail())

# (checked by the test: the same rows as the data; years as integers)
assert set(panel["indicator"]) == {"gdp_per_capita", "population"}
assert panel["year"].dtype.kind == "i" and gini["year"].dtype.kind == "i"
assert gini["gini"].between(0, 1).all()
