import ts from 'typescript';

/**
 * Rules test/tree.test.ts holds every source file to, read from its syntax tree (comments and
 * strings cannot fool them):
 * - no command is special-cased by its name: a string literal naming a command of the table
 *   (as written there, upper case) is not compared (`=== 'EXEC'`), switched on (`case 'MULTI':`),
 *   looked for (`.startsWith('EVALSHA')`, `.includes('QUIT')`), listed for membership
 *   (`new Set(['AUTH', 'HELLO'])`, `['EXEC'].includes(...)`) or used as a type (`'MSET' | 'MSETNX'`);
 *   a lower-case one neither, when compared with a name (`name.toLowerCase() === 'exec'`);
 * - no error reply is spelt outside its package's table of errors.
 */

export interface Finding {
  line: number;
  text: string;
  rule: string;
}

const LOOKUPS = new Set(['startsWith', 'endsWith', 'includes', 'has', 'indexOf', 'lastIndexOf', 'some']);
const COMPARISONS = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);
/** An expression that reads a command's name: `x.name`, `name`, argv[0] (`args.latin1(0)`, `argv[0]`), lowered or not. */
const NAME_EXPRESSION = /(^|\.)name\b|^name$|latin1\(0\)|argv\[0\]|toLowerCase\(\)|toUpperCase\(\)/;
/** The words Redis starts an error reply with. */
const ERROR_REPLY = /^-?(ERR|WRONGTYPE|OOM|NOAUTH|WRONGPASS|NOPROTO|EXECABORT|NOSCRIPT|NOTBUSY|LOADING|BUSY|READONLY|NOPERM|MOVED|ASK) /;

function literalText(node: ts.Node): string | undefined {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : undefined;
}

/** Where `names` (the table's, upper case) are special-cased in `source`. */
export function nameSpecialCases(source: string, names: ReadonlySet<string>, file = 'source.ts'): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const isName = (node: ts.Node | undefined): boolean => {
    const text = node === undefined ? undefined : literalText(node);
    return text !== undefined && names.has(text);
  };
  const isLowerName = (node: ts.Node): boolean => {
    const text = literalText(node);
    return text !== undefined && text === text.toLowerCase() && names.has(text.toUpperCase());
  };
  const report = (node: ts.Node, rule: string) => {
    found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf).slice(0, 80), rule });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && COMPARISONS.has(node.operatorToken.kind)) {
      for (const [side, other] of [[node.left, node.right], [node.right, node.left]]) {
        if (isName(side) || (isLowerName(side) && NAME_EXPRESSION.test(other.getText(sf)))) report(node, 'compares a command name');
      }
    } else if (ts.isCaseClause(node) && isName(node.expression)) {
      report(node.expression, 'switches on a command name');
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && LOOKUPS.has(node.expression.name.text) && node.arguments.some(isName)) {
      report(node, 'looks for a command name');
    } else if (ts.isArrayLiteralExpression(node)) {
      const listed = node.elements.filter(isName).length;
      const parent = node.parent;
      const forMembership =
        (ts.isPropertyAccessExpression(parent) && LOOKUPS.has(parent.name.text)) ||
        (ts.isNewExpression(parent) && /^(Set|Map)$/.test(parent.expression.getText(sf)));
      if (listed >= 2 || (listed >= 1 && forMembership)) report(node, 'lists command names');
    } else if (ts.isLiteralTypeNode(node) && isName(node.literal)) {
      report(node, 'types a command name');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Where `source` spells an error reply (a literal or a template starting with Redis's error words). */
export function errorReplies(source: string, file = 'source.ts'): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Finding[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node) ?? (ts.isTemplateHead(node) ? node.text : undefined);
    if (text !== undefined && ERROR_REPLY.test(text)) {
      found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf).slice(0, 80), rule: 'spells an error reply' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
