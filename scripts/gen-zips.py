#!/usr/bin/env python3
"""Generates crates/domain/reference/zips.csv: ZIP code -> county FIPS (and the ZIP's city), used
to resolve the city/state/ZIP of DOL WHD enforcement rows to a county.

Source: PyPI package `zipcodes` 1.3.0 (MIT, github.com/seanpianka/zipcodes), file
zipcodes/zips.json.bz2 (42,735 ZIP codes with USPS city, state and county name), wheel
zipcodes-1.3.0-py2.py3-none-any.whl sha256
0da407f1c7e7c0bb93fc91da00c4bb95dc88b545c2ff04febdff5168e9ab8b2f.
County names are matched to FIPS codes through crates/domain/reference/counties.csv (us-atlas),
by state and name without the "County"/"Parish"/"Borough"... suffix; ZIPs whose county cannot be
matched exactly are left out (and so reported as unresolved by the importer, never guessed).

Usage: pip download 'zipcodes==1.3.0' --no-deps -d /tmp/z && unzip -o /tmp/z/*.whl -d /tmp/z/x
       python3 scripts/gen-zips.py /tmp/z/x/zipcodes/zips.json.bz2
"""
import bz2, csv, json, re, sys, os

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ref = os.path.join(root, "crates/domain/reference")

def norm(name):
    name = name.upper().replace(".", "").replace("'", "")
    name = re.sub(r"\b(COUNTY|PARISH|BOROUGH|CENSUS AREA|CITY AND BOROUGH|MUNICIPALITY|MUNICIPIO)\b", "", name)
    return re.sub(r"[^A-Z0-9]+", " ", name).strip()

counties = {}
with open(os.path.join(ref, "counties.csv")) as f:
    for row in csv.DictReader(f):
        counties.setdefault((row["state_code"], norm(row["county_name"])), row["fips"])

zips = json.loads(bz2.open(sys.argv[1]).read())
out, missed = [], 0
for z in zips:
    if not z.get("active", True) or z.get("country") != "US":
        continue
    fips = counties.get((z["state"], norm(z.get("county") or "")))
    if fips is None:
        missed += 1
        continue
    out.append((z["zip_code"], fips, z["city"].upper()))
out.sort()
with open(os.path.join(ref, "zips.csv"), "w", newline="") as f:
    f.write("zip,fips,city\n")
    for zip_code, fips, city in out:
        f.write(f"{zip_code},{fips},{city}\n")
print(f"{len(out)} ZIP codes written, {missed} left out (county not matched)", file=sys.stderr)
