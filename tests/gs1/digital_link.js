// Reads GS1 Digital Link URIs, one per line, and prints what GS1's own digital-link.js makes
// of each, as one JSON object per line: whether it is valid (its ABNF grammar and the GTIN's
// check digit), whether the raw string itself passes the grammar, and the GTIN, lot and
// serial it parses out. Used by services/domain/tests/digital_link_gs1.rs.
const { DigitalLink } = require("digital-link.js");
// The library's own grammar check of a string as given (its `Utils.Rules` still names a start
// rule its grammar no longer has, so the helper is taken from the module that isValid() uses).
const { validateUrl } = require("digital-link.js/src/util.js");
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
for (const uri of lines) {
  let out;
  try {
    const dl = DigitalLink(uri);
    const id = dl.getIdentifier();
    const q = dl.getKeyQualifiers();
    out = {
      // isValid() checks the link as the library re-encodes it; `grammar` checks the string
      // we generated, so a difference between the two cannot hide.
      valid: dl.isValid(),
      grammar: validateUrl(uri),
      gtin: id["01"] === undefined ? null : id["01"],
      lot: q["10"] === undefined ? null : q["10"],
      serial: q["21"] === undefined ? null : q["21"],
      reencoded: dl.toWebUriString(),
    };
  } catch (e) {
    out = { valid: false, error: String(e && e.message) };
  }
  console.log(JSON.stringify(out));
}
