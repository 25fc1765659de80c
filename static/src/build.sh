#!/bin/sh
# Rebuilds the served assets in static/ from the readable sources beside this
# script: JavaScript minified by terser (from the npm registry, through npx),
# CSS stripped of comments and spaces. Run it after editing a source and commit
# both. The sentinels (__BANNER_SETTINGS__, __BANNER_UI__) are globals, which
# terser leaves alone, so the service can still fill them. Each tracker kind's
# part (trackers/*.js) is built on its own into static/trackers/: the service
# puts the parts a site configures before the gate.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$here")
terser="npx --yes terser@5.51.2"
options="--ecma 2020 --compress passes=3,pure_getters=true,unsafe_arrows=true --mangle --comments false"
for name in gate ui send tags more extra embeds subject words; do
  $terser "$here/$name.js" $options --output "$out/$name.js"
done
mkdir -p "$out/trackers"
for part in "$here"/trackers/*.js; do
  $terser "$part" $options --output "$out/trackers/$(basename "$part")"
done
for name in ui more extra embeds; do
python3 - "$here/$name.css" "$out/$name.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
css = re.sub(r"\s+", " ", css)
css = re.sub(r"\s*([{}:;,>])\s*", r"\1", css).replace(";}", "}")
open(sys.argv[2], "w", encoding="utf-8").write(css.strip() + "\n")
PY
done
# Record which sources the served files were built from (checked by a test).
(cd "$here" && sha256sum gate.js ui.js ui.css send.js tags.js more.js more.css extra.js extra.css embeds.js embeds.css subject.js words.js trackers/*.js > built.sha256)
