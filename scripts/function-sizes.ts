// Lists the longest functions (and the largest files) of the TypeScript sources: the size figures issue 17 asks for.
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

const roots = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const most = Number(process.argv.find((a) => a.startsWith("--most="))?.slice(7) ?? 15);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === "node_modules" ? [] : sourceFiles(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

interface Sized { where: string; name: string; lines: number }

function functionsOf(file: string): Sized[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: Sized[] = [];
  const lineOf = (pos: number) => src.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node, owner: string) => {
    let name = owner;
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const declared = (node as ts.FunctionDeclaration).name?.getText(src);
      const parent = node.parent;
      const bound = ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) ? parent.name.getText(src) : undefined;
      name = declared ?? bound ?? (ts.isConstructorDeclaration(node) ? `${owner}.constructor` : `${owner}<anonymous>`);
      const start = lineOf(node.getStart(src));
      out.push({ where: `${file}:${start}`, name, lines: lineOf(node.getEnd()) - start + 1 });
    } else if (ts.isClassDeclaration(node) && node.name) name = node.name.getText(src);
    ts.forEachChild(node, (child) => visit(child, name));
  };
  visit(src, "");
  return out;
}

const files = roots.flatMap(sourceFiles);
const fileSizes = files.map((f) => ({ where: f, name: "", lines: fs.readFileSync(f, "utf8").split("\n").length - 1 }));
const top = (xs: Sized[]) => xs.sort((a, b) => b.lines - a.lines).slice(0, most);
console.log(`largest files (${files.length} files):`);
for (const f of top(fileSizes)) console.log(`  ${String(f.lines).padStart(5)}  ${f.where}`);
console.log("longest functions:");
for (const f of top(files.flatMap(functionsOf))) console.log(`  ${String(f.lines).padStart(5)}  ${f.where}  ${f.name}`);
