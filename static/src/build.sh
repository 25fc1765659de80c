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
# The internal properties the gate, its tracker parts, the UI and the chunks
# call on each other (the kernel window.banner._k, the gate's inner state, the
# chunks' and the UI's own objects) are shortened too, to the same short name
# in every file: props.json holds the names given so far and only grows, so a
# UI set and a gate built at different times still agree. Only the names
# listed here are touched, and only where no page, service, DOM or JSON name
# is spelled the same (never window.banner's granted / open, the settings'
# and tokens' keys, the request bodies, status, close, sweep, gpc ...). The
# reserved names are the short ones the data and the sources use themselves,
# so a shortened name never meets a real one on the same object. init and
# start are the tracker parts' two members (never a string: Meta's 'init' call
# is one, and strings are left alone).
internal="readChoice|refused|keep|guard|running|pending|choice|failed|sync|channel|begin|need|write|first|decided|seen|choose|sj|go|mount|handoff|tag|show|hide|stale|verify|adopt|el|button|header|changes|gpcNote|links|ageBox|allowed|decide|optional|shut|chosen|aged|say|root|started|raw|layer|preset|modal|dialog|parseToken|applyGrants|cookieList|grantedNow|view|currentToken|gpcOn|allows|loadScript|attach|reopen|purge|resend|scan|report|dismiss|init|start"
reserved="K,S,T,U,UI,_i,_k,_o,_t,_u,a,c,ch,d,e,en,f,g,h,i,id,is,it,js,l,n,o,ok,p,r,s,t,u,ui,v,w,x,y"
options="--ecma 2020 --compress passes=3,pure_getters=true,unsafe_arrows=true --mangle --comments false"
options="$options --mangle-props builtins=true,regex=/^($internal)\$/,reserved=[$reserved] --name-cache $here/props.json"
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
(cd "$here" && sha256sum build.sh props.json gate.js ui.js ui.css send.js tags.js more.js more.css extra.js extra.css embeds.js embeds.css subject.js words.js trackers/*.js > built.sha256)
