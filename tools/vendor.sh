#!/usr/bin/env bash
# Copy the front-end assets the site and the slide decks serve themselves into _vendor/
# (listed in html_static_path, so they land in _build/html/_static/).  Versions are pinned
# in package.json / package-lock.json; npm fetches them once into node_modules/.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=_vendor/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
if [ ! -d node_modules/mathjax ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf _vendor && mkdir -p _vendor/mathjax _vendor/mathjax2 _vendor/reveal.js
# MathJax 3 for the book pages (es5 bundle: tex-chtml.js + its fonts and extensions)
cp -r node_modules/mathjax/es5/. _vendor/mathjax/
# MathJax 2 for the nbconvert reveal.js decks (nbconvert's template speaks MathJax 2);
# only the CommonHTML output and its TeX fonts, not the 70 MB of image fonts.
m2=node_modules/mathjax2
cp "$m2/MathJax.js" _vendor/mathjax2/
mkdir -p _vendor/mathjax2/jax/output _vendor/mathjax2/fonts/HTML-CSS/TeX _vendor/mathjax2/localization
cp -r "$m2/config" "$m2/extensions" _vendor/mathjax2/
cp -r "$m2/jax/input" "$m2/jax/element" _vendor/mathjax2/jax/
cp -r "$m2/jax/output/CommonHTML" _vendor/mathjax2/jax/output/
cp -r "$m2/fonts/HTML-CSS/TeX/woff" _vendor/mathjax2/fonts/HTML-CSS/TeX/
cp -r "$m2/localization/en" _vendor/mathjax2/localization/
# reveal.js, require.js and jQuery for the decks
cp -r node_modules/reveal.js/dist node_modules/reveal.js/plugin _vendor/reveal.js/
cp node_modules/requirejs/require.js _vendor/require.js
cp node_modules/jquery/dist/jquery.min.js _vendor/jquery.min.js
touch "$stamp"
echo "vendor: assets copied to _vendor/ ($(du -sh _vendor | cut -f1))"
