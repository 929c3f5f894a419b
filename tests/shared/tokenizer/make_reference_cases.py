"""
Makes reference_cases.json: CLIP ids, ftfy output and html.unescape output for prompts that the
shared golden file does not cover (mojibake, entities, odd whitespace and case).

Run with openai/CLIP's clip/ folder (simple_tokenizer.py and bpe_simple_vocab_16e6.txt.gz),
ftfy 6.3.1 and regex importable:

    PYTHONPATH=/path/to/CLIP/clip python3 make_reference_cases.py reference_cases.json \\
        ../../../../shared/fixtures/clip/tokenizer_golden.json
"""
import json
import sys
import html
import ftfy
import regex
from simple_tokenizer import SimpleTokenizer
tok = SimpleTokenizer()
if len(sys.argv) > 2:
    golden = json.load(open(sys.argv[2]))
    bad = [c['text'] for c in golden['cases'] if tok.encode(c['text']) != c['ids']]
    print('golden mismatches', len(bad))
texts = [
  "cafÃ© au lait on a wooden table",
  "a photo of a dogâ€™s favourite toy",
  "â€œquoted textâ€\x9d in a frame",
  "Ã la mode dessert, pastel colours",
  "ÄŒeÅ¡tina castle at dusk",
  "Ð¿Ñ€Ð¸Ð²ÐµÑ‚ world poster",
  "РїСЂРёРІРµС‚ mir",
  "â€œ like this â€\ufffd",
  "\x93smart\x94 quotes and \x85 ellipsis",
  "sÃ³ sunset; voilÃ  le travail",
  "schÃ¶n: Ã¼ber alles, MÃ¼nchen",
  "&copy2023 studio ghibli style",
  "&lt;b&gt;bold&lt;/b&gt; letters",
  "Tom &amp;amp; Jerry cartoon",
  "P&EACUTE;REZ &ntilde; &NTILDE; BUNDESSTRA&SZLIG;E",
  "rock &#x27;n&#39; roll &#59; &#128;100 &#0; &#xD800; &#1114112;",
  "a < b &amp; c &copy d",
  "first line <tag>\n&amp; second &amp line",
  "ﬁne ﬂowers in a ﬁeld",
  "ＬＯＵＤ　ＮＯＩＳＥＳ and ｶﾀｶﾅ",
  "\u201chello\u201d she said, it\u2019s fine",
  "tab\tseparated\u00a0nbsp\u2003em\u3000ideographic",
  "\x1b[31mred\x1b[0m text",
  "\ufeffbom start zero\u200bwidth",
  "x\x1cy and \x1c leading",
  "next\u0085line\r\nwindows\rmac\u2028sep",
  "İSTANBUL skyline, ΟΔΥΣΣΕΥΣ ship",
  "Straße STRASSE ǅemal ĳssel",
  "IT'S THEY'LL 'ſ dog'ſ",
  "<|startoftext|> hello <|ENDOFTEXT|> world",
  "<|ſtartoftext|> edge",
  "e\u0301cole, \u0345 ypogegrammeni",
  "①②③ ½ ² ٣ arabic digit",
  "👩\u200d🚀 astronaut 🇯🇵 flag",
  "a" * 3 + " " + "supercalifragilisticexpialidocious " * 3,
  " ".join(["cafÃ©"] * 40),
  " ".join(["naÃ¯ve cafÃ©"] * 40),
  "\u0000null\u0007bell",
  "   \n\t  ",
  "&amp;lt;script&amp;gt;",
  "naÃ¯ve cafÃ© rÃ©sumÃ©",
]
cases = []
for t in texts:
    ids = tok.encode(t)
    cases.append({"text": t, "ids": ids, "fixed": ftfy.fix_text(t), "decoded": tok.decode(ids)})
entities = [
  "&amp; &lt; &gt; &quot; &apos; &nbsp;x",
  "&copy2023 &ampx; &notin; &notit; &not;it",
  "&#65 &#x41 &#X41; &#65; &#0065;",
  "&#0; &#13; &#128; &#129; &#150; &#159; &#160;",
  "&#xD800; &#xDFFF; &#x110000; &#99999999999999999999;",
  "&#1; &#11; &#127; &#xFDD0; &#xFFFE; &#x1FFFF; &#x10FFFF;",
  "&NotANamedEntity; &EACUTE; &Eacute; &eacute; &AMP &AMP;",
  "& amp; &; &#; &#x; &#xg; &&amp;",
  "&Jscr;ohn &HilbertSpace; &checkmark; &fjlig; &NegativeMediumSpace;|",
  "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; &lt&gt &ltb",
  "&\u00e9t\u00e9; &sup2; &sup23 &frac12 &frac34;",
]
unescape = [{"text": t, "unescaped": html.unescape(t)} for t in entities]
json.dump({
    "source": "openai/CLIP clip/simple_tokenizer.py (commit d05afc436d78f1c48dc0dbf8e5980a9d471f35f6), "
              "unmodified, with ftfy " + ftfy.__version__ + ", regex " + regex.__version__ +
              " and Python " + sys.version.split()[0] + " html.unescape; made by make_reference_cases.py",
    "cases": cases,
    "unescape": unescape,
}, open(sys.argv[1], 'w'), ensure_ascii=True, indent=1)
for c in cases: print(len(c['ids']), repr(c['text'])[:50], '->', repr(c['fixed'])[:60])
