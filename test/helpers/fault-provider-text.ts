// Prints the sha256 and length of the fault provider's text as the program makes it, serialized afresh (an
// empty cache directory): provider-text.test.ts runs it in processes with different environments.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { faultProvider } from "../../chaos/faults/resource";
import { serializedProvider } from "../../chaos/faults/provider-text";

void serializedProvider(faultProvider, { dir: fs.mkdtempSync(path.join(os.tmpdir(), "pgchaos-ptext-")) }).then((s) =>
  console.log(JSON.stringify({ sha256: crypto.createHash("sha256").update(s.text).digest("hex"), length: s.text.length })));
