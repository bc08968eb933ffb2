import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One module a source file names: an import or re-export, a dynamic import(), or a require(). */
export interface ModuleReference {
  /** As written, e.g. '../engine/engine.js' or 'kafkajs'. */
  specifier: string;
  /** `import type`, `export type`, or every named binding marked `type`: erased by tsc, never loaded. */
  typeOnly: boolean;
  line: number;
}

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Every .ts file under dir (relative to the repository), sorted. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(relative(REPO, path));
    }
  };
  walk(join(REPO, dir));
  return out.sort();
}

function namedOnlyTypes(bindings: ts.NamedImportBindings | ts.NamedExportBindings | undefined): boolean {
  if (!bindings || !(ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** The modules a source file (path relative to the repository) references, parsed with TypeScript. */
export function moduleReferences(file: string): ModuleReference[] {
  return moduleReferencesIn(readFileSync(join(REPO, file), 'utf8'), file);
}

export function moduleReferencesIn(text: string, name = 'source.ts'): ModuleReference[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, false);
  const out: ModuleReference[] = [];
  const add = (literal: ts.Expression, typeOnly: boolean) => {
    if (!ts.isStringLiteralLike(literal)) return;
    out.push({ specifier: literal.text, typeOnly, line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined && (clause.phaseModifier === ts.SyntaxKind.TypeKeyword || (clause.name === undefined && namedOnlyTypes(clause.namedBindings)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly || namedOnlyTypes(node.exportClause));
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const dynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const requireCall = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (first && (dynamicImport || requireCall)) add(first, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The repository-relative path a relative specifier of `file` points at ('../run/payload.js' → 'src/run/payload.js'). */
export function resolvedFrom(file: string, specifier: string): string {
  return relative(REPO, resolve(REPO, file, '..', specifier));
}

/** The text of every string literal and template piece in a source file, with its line: what the code can print. */
export function stringTexts(file: string): Array<{ text: string; line: number }> {
  const source = ts.createSourceFile(file, readFileSync(join(REPO, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const out: Array<{ text: string; line: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      out.push({ text: node.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}
