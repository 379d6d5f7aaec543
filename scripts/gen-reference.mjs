#!/usr/bin/env node
// Generate crates/domain/reference/{states,counties}.csv from the vendored us-atlas TopoJSON.
//
//   node scripts/gen-reference.mjs          write the files
//   node scripts/gen-reference.mjs --check  exit 1 if the files on disk differ from what
//                                           would be written (for CI)
//
// Input:  crates/web/static/vendor/{states,counties}-10m.json (us-atlas 3.x, see VERSIONS.md).
//         Each state geometry has id = 2-digit state FIPS and properties.name; each county
//         geometry has id = 5-digit county FIPS and properties.name.
// Output: UTF-8, LF line endings, RFC 4180 quoting where needed, sorted by FIPS. Deterministic.
// No dependencies beyond node itself.

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(root, 'crates/web/static/vendor');
const outDir = join(root, 'crates/domain/reference');

// State FIPS (ANSI INCITS 38) -> USPS code: 50 states, DC and the territories us-atlas draws,
// plus the remaining inhabited/outlying codes so a future us-atlas release does not surprise us.
const USPS = {
  '01': 'AL', '02': 'AK', '04': 'AZ', '05': 'AR', '06': 'CA', '08': 'CO', '09': 'CT',
  '10': 'DE', '11': 'DC', '12': 'FL', '13': 'GA', '15': 'HI', '16': 'ID', '17': 'IL',
  '18': 'IN', '19': 'IA', '20': 'KS', '21': 'KY', '22': 'LA', '23': 'ME', '24': 'MD',
  '25': 'MA', '26': 'MI', '27': 'MN', '28': 'MS', '29': 'MO', '30': 'MT', '31': 'NE',
  '32': 'NV', '33': 'NH', '34': 'NJ', '35': 'NM', '36': 'NY', '37': 'NC', '38': 'ND',
  '39': 'OH', '40': 'OK', '41': 'OR', '42': 'PA', '44': 'RI', '45': 'SC', '46': 'SD',
  '47': 'TN', '48': 'TX', '49': 'UT', '50': 'VT', '51': 'VA', '53': 'WA', '54': 'WV',
  '55': 'WI', '56': 'WY',
  '60': 'AS', '64': 'FM', '66': 'GU', '68': 'MH', '69': 'MP', '70': 'PW', '72': 'PR',
  '74': 'UM', '78': 'VI',
};

function fail(msg) {
  console.error(`gen-reference: ${msg}`);
  process.exit(1);
}

function geometries(file, object) {
  const topo = JSON.parse(readFileSync(join(vendor, file), 'utf8'));
  const geoms = topo?.objects?.[object]?.geometries;
  if (!Array.isArray(geoms)) fail(`${file}: no objects.${object}.geometries`);
  return geoms;
}

function csvField(value) {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

const byCode = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

// States.
const states = new Map();
for (const g of geometries('states-10m.json', 'states')) {
  const fips = g.id;
  const name = g.properties?.name;
  if (typeof fips !== 'string' || !/^\d{2}$/.test(fips)) fail(`state with bad id ${JSON.stringify(fips)}`);
  if (typeof name !== 'string' || name.trim() === '') fail(`state ${fips} has no name`);
  if (!USPS[fips]) fail(`state ${fips} (${name}) has no USPS code in the table; add it`);
  if (states.has(fips)) fail(`duplicate state ${fips}`);
  states.set(fips, { fips, code: USPS[fips], name: name.trim() });
}

// Counties.
const counties = new Map();
for (const g of geometries('counties-10m.json', 'counties')) {
  const fips = g.id;
  const name = g.properties?.name;
  if (typeof fips !== 'string' || !/^\d{5}$/.test(fips)) fail(`county with bad id ${JSON.stringify(fips)}`);
  if (typeof name !== 'string' || name.trim() === '') fail(`county ${fips} has no name`);
  const stateFips = fips.slice(0, 2);
  const state = states.get(stateFips);
  if (!state) fail(`county ${fips} (${name}) is in state ${stateFips}, which states-10m.json lacks`);
  if (counties.has(fips)) fail(`duplicate county ${fips}`);
  counties.set(fips, [fips, stateFips, state.code, state.name, name.trim()]);
}

const statesCsv = csv(
  ['state_fips', 'state_code', 'state_name'],
  [...states.values()].sort((a, b) => byCode(a.fips, b.fips)).map((s) => [s.fips, s.code, s.name]),
);
const countiesCsv = csv(
  ['fips', 'state_fips', 'state_code', 'state_name', 'county_name'],
  [...counties.values()].sort((a, b) => byCode(a[0], b[0])),
);

const outputs = [
  [join(outDir, 'states.csv'), statesCsv],
  [join(outDir, 'counties.csv'), countiesCsv],
];

if (process.argv.includes('--check')) {
  let stale = false;
  for (const [path, text] of outputs) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
      console.error(`gen-reference: ${relative(root, path)} is out of date; run node scripts/gen-reference.mjs`);
      stale = true;
    }
  }
  process.exit(stale ? 1 : 0);
}

mkdirSync(outDir, { recursive: true });
for (const [path, text] of outputs) writeFileSync(path, text);
console.log(`gen-reference: ${states.size} states/territories, ${counties.size} counties -> ${relative(root, outDir)}/`);
