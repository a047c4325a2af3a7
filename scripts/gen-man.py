#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 the libtempfile authors
"""Regenerate what can drift in the man pages from include/tempfile.h.

Each group page doc/NAME.3 is hand-written prose with one generated block:

    .\\" gen-man synopsis: struct tempfile_opts | tempfile_mkstemp tempfile_mkdtemp
    ...generated: #include, the types and prototypes, from the header...
    .\\" gen-man end

Items are functions, `struct NAME`, `enum NAME` or macros; `|` starts a
new paragraph. The names before "\\-" on the NAME line, and one alias page
doc/FUNCTION.3 (".so man3/NAME.3") for every other function of the group,
are generated as well. Every function the header exports must belong to
exactly one page.

    scripts/gen-man.py           rewrite doc/ in place
    scripts/gen-man.py --check   fail if doc/ differs from what it would write
"""
import argparse
import difflib
import os
import re
import sys
import tempfile

WIDTH = 73  # 80 columns less man's 7-column indent
BEGIN = re.compile(r'^\.\\" gen-man synopsis: (.*)$')
END = '.\\" gen-man end'
ALIAS = re.compile(r'^\.so man3/[a-z_0-9]+\.3$')


class Failure(Exception):
    pass


def alias_comments(text):
    """The comment lines of an alias page (one .so line and comments), or
    None for a page of its own. Comments (a licence line) are kept."""
    lines = text.splitlines()
    rest = [line for line in lines if not line.startswith('.\\"')]
    if len(rest) != 1 or not ALIAS.match(rest[0]):
        return None
    return [line for line in lines if line.startswith('.\\"')]


# ---- the header ------------------------------------------------------------

def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def squeeze(text):
    text = ' '.join(text.split())
    text = re.sub(r'\(\s+', '(', text)
    text = re.sub(r'\s+\)', ')', text)
    return re.sub(r'\s+,', ',', text)


class Header:
    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            raw = f.read()
        code = strip_comments(raw)
        # Declarations, with the preprocessor's lines (and their continuations) left out.
        decls = re.sub(r'^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', '', code, flags=re.M)
        self.functions = {}  # name -> (return type, [params], deprecated)
        self.order = []
        for m in re.finditer(r'\bTEMPFILE_EXPORT\b(.*?);', decls, flags=re.S):
            decl = m.group(1)
            deprecated = 'TEMPFILE_DEPRECATED' in decl
            decl = squeeze(re.sub(r'\bTEMPFILE_(WARN_UNUSED|DEPRECATED)\b', ' ', decl))
            name = re.search(r'\b(tempfile_\w+)\(', decl)
            if not name:
                raise Failure('cannot parse the declaration: ' + decl)
            ret = decl[:name.start()].rstrip()
            params = decl[name.end():]
            if not params.endswith(')'):
                raise Failure('cannot parse the parameters of ' + name.group(1))
            self.functions[name.group(1)] = (ret, split_params(params[:-1]), deprecated)
            self.order.append(name.group(1))
        self.structs = {}
        for m in re.finditer(r'\bstruct (\w+) \{(.*?)\};', code, flags=re.S):
            members = [squeeze(x) for x in m.group(2).split(';') if x.strip()]
            self.structs[m.group(1)] = members
        self.opaque = set(re.findall(r'^struct (\w+);', code, flags=re.M))
        self.enums = {}
        for m in re.finditer(r'\benum (\w+) \{(.*?)\};', code, flags=re.S):
            values = []
            for v in m.group(2).split(','):
                if v.strip():
                    dep = 'TEMPFILE_DEPRECATED' in v
                    values.append((squeeze(v.replace('TEMPFILE_DEPRECATED', '')), dep))
            self.enums[m.group(1)] = values
        self.macros = {}
        for m in re.finditer(r'^#define (TEMPFILE_\w+)[ \t]+(.+)$', code, flags=re.M):
            self.macros.setdefault(m.group(1), m.group(2).strip())


def split_params(text):
    """The top-level comma-separated pieces of a parameter list."""
    out, depth, cur = [], 0, ''
    for ch in text:
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
            continue
        depth += (ch == '(') - (ch == ')')
        cur += ch
    out.append(cur.strip())
    return out


# ---- roff ------------------------------------------------------------------

def esc(text):
    return text.replace('\\', '\\e').replace('-', '\\-').replace('"', '\\(dq')


def param_pieces(param):
    """(text, italic) pieces of one parameter: its name in italics."""
    fp = re.fullmatch(r'(.*\(\*)(\w+)(\)\()(.*)\)', param)
    if fp:
        pieces = [(fp.group(1), False), (fp.group(2), True), (fp.group(3), False)]
        for i, inner in enumerate(split_params(fp.group(4))):
            if i:
                pieces.append((', ', False))
            pieces += param_pieces(inner)
        return pieces + [(')', False)]
    m = re.fullmatch(r'(.*[ *])(\w+)', param)
    if not m or param == 'void':
        return [(param, False)]
    return [(m.group(1), False), (m.group(2), True)]


def roff_line(pieces):
    """One .BI line: arguments alternate bold and italic, bold first."""
    merged = []
    for text, italic in pieces:
        if merged and merged[-1][1] == italic:
            merged[-1] = (merged[-1][0] + text, italic)
        else:
            merged.append((text, italic))
    if merged and merged[0][1]:
        merged.insert(0, ('', False))
    if len(merged) == 1:
        return '.B ' + quote(merged[0][0])
    return '.BI ' + ' '.join(quote(t) for t, _ in merged)


def quote(text):
    text = esc(text)
    return '"%s"' % text if (' ' in text or not text) else text


def plain(pieces):
    return ''.join(t for t, _ in pieces)


def prototype(header, name):
    ret, params, deprecated = header.functions[name]
    head = ret + ('' if ret.endswith('*') else ' ') + name + '('
    parts = []
    for i, p in enumerate(params):
        last = i == len(params) - 1
        parts.append(param_pieces(p) + [(');' if last else ', ', False)])
    if deprecated:
        parts[-1].append(('  /* deprecated */', False))
    # Wrap after a parameter; continuation lines align after the "(", or,
    # when that leaves too little room, are indented 8, under a "(" that
    # ends the first line if need be.
    indent = ' ' * len(head)
    if len(head) + max(len(plain(p).rstrip()) for p in parts) > WIDTH:
        indent = ' ' * 8
    lines, cur = [], [(head, False)]
    for p in parts:
        fits = len(plain(cur)) + len(plain(p).rstrip()) <= WIDTH
        if not fits and (plain(cur) != head or len(indent) < len(head)):
            cur[-1] = (cur[-1][0].rstrip(), cur[-1][1])
            lines.append(cur)
            cur = [(indent, False)]
        cur = cur + p
    lines.append(cur)
    for line in lines:
        if len(plain(line)) > WIDTH:
            raise Failure('%s: a synopsis line is wider than %d columns: %s'
                          % (name, WIDTH, plain(line)))
    return [roff_line(line) for line in lines]


def struct_lines(header, name):
    if name not in header.structs:
        if name in header.opaque:
            return ['.B struct %s;' % name]
        raise Failure('struct %s is not in the header' % name)
    rows = []
    for member in header.structs[name]:
        m = re.fullmatch(r'(.*[ *])(\w+)(\[\w*\])?', member)
        if not m:
            raise Failure('cannot parse a member of struct %s: %s' % (name, member))
        rows.append((m.group(1).rstrip(' '), m.group(2), m.group(3) or ''))
    width = max(len(t) + (0 if t.endswith('*') else 1) for t, _, _ in rows)
    out = ['.B struct %s {' % name]
    for ctype, member, array in rows:
        left = ctype if ctype.endswith('*') else ctype + ' '
        if left.endswith('*'):  # keep the star against the name
            left = left[:-1].rstrip().ljust(width - 1) + '*'
        out.append(roff_line([('    ' + left.ljust(width), False), (member, True), (array + ';', False)]))
    return out + ['.B };']


def enum_lines(header, name):
    if name not in header.enums:
        raise Failure('enum %s is not in the header' % name)
    values = header.enums[name]
    out = ['.B enum %s {' % name]
    for i, (value, deprecated) in enumerate(values):
        text = '    ' + value + (',' if i < len(values) - 1 else '')
        if deprecated:
            text += '  /* deprecated */'
        out.append('.B ' + quote(text))
    return out + ['.B };']


def macro_lines(header, names):
    width = max(len(n) for n in names)
    out = []
    for n in names:
        if n not in header.macros:
            raise Failure('macro %s is not in the header' % n)
        out.append('.B ' + quote('#define %s %s' % (n.ljust(width), header.macros[n])))
    return out


def parse_items(spec):
    """[[item, ...], ...]: paragraphs of ('struct'|'enum'|'macro'|'function', name)."""
    paragraphs = []
    for chunk in spec.split('|'):
        words, items = chunk.split(), []
        while words:
            w = words.pop(0)
            if w in ('struct', 'enum'):
                items.append((w, words.pop(0)))
            elif re.fullmatch(r'TEMPFILE_\w+', w):
                items.append(('macro', w))
            else:
                items.append(('function', w))
        paragraphs.append(items)
    return paragraphs


def synopsis(header, paragraphs):
    out = ['.nf', '.B #include <tempfile.h>']
    for items in paragraphs:
        out.append('.PP')
        macros = [n for kind, n in items if kind == 'macro']
        if macros:
            out += macro_lines(header, macros)
        for kind, n in items:
            if kind == 'struct':
                out += struct_lines(header, n)
            elif kind == 'enum':
                out += enum_lines(header, n)
            elif kind == 'function':
                if n not in header.functions:
                    raise Failure('%s is not exported by the header' % n)
                out += prototype(header, n)
    return out + ['.fi']


# ---- pages -----------------------------------------------------------------

def render_page(header, page, text):
    """The page with its generated parts redone; also the functions it covers."""
    lines = text.split('\n')
    out, functions, i = [], [], 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        paragraphs = parse_items(m.group(1))
        functions += [n for items in paragraphs for kind, n in items if kind == 'function']
        out.append(lines[i])
        out += synopsis(header, paragraphs)
        i += 1
        while i < len(lines) and lines[i] != END:
            i += 1
        if i == len(lines):
            raise Failure('%s: no "%s" after the synopsis' % (page, END))
    if not functions:
        raise Failure('%s: no gen-man synopsis' % page)
    names = ([] if page in functions else [page]) + functions
    for j, line in enumerate(out):
        if line == '.SH NAME':
            desc = out[j + 1].partition(' \\- ')[2]
            if not desc:
                raise Failure('%s: the NAME line has no " \\- "' % page)
            out[j + 1] = ', '.join(names) + ' \\- ' + desc
            break
    else:
        raise Failure('%s: no .SH NAME' % page)
    return '\n'.join(out), functions


def generate(header_path, doc):
    """{file name: content} for every page doc/ should hold."""
    header = Header(header_path)
    files, owner, comments = {}, {}, {}
    for name in sorted(os.listdir(doc)):
        if not name.endswith('.3'):
            continue
        with open(os.path.join(doc, name), encoding='utf-8') as f:
            text = f.read()
        kept = alias_comments(text)
        if kept is not None:
            comments[name] = kept
            continue
        page = name[:-2]
        files[name], functions = render_page(header, page, text)
        for fn in functions:
            if fn in owner:
                raise Failure('%s is in both %s.3 and %s.3' % (fn, owner[fn], page))
            owner[fn] = page
    missing = [fn for fn in header.order if fn not in owner]
    if missing:
        raise Failure('exported but on no page (add them to a gen-man synopsis): ' + ' '.join(missing))
    for fn, page in owner.items():
        if fn != page:
            if fn + '.3' in files:
                raise Failure('%s.3 is a page of its own and also in %s.3' % (fn, page))
            kept = comments.get(fn + '.3', [])
            files[fn + '.3'] = ''.join(c + '\n' for c in kept) + '.so man3/%s.3\n' % page
    return files


def current(doc):
    files = {}
    for name in sorted(os.listdir(doc)):
        if name.endswith('.3'):
            with open(os.path.join(doc, name), encoding='utf-8') as f:
                files[name] = f.read()
    return files


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--header', default=os.path.join(root, 'include', 'tempfile.h'))
    ap.add_argument('--doc', default=os.path.join(root, 'doc'), help='the pages, read (and written unless --check/--out)')
    ap.add_argument('--out', help='write the pages here instead of into --doc')
    ap.add_argument('--check', action='store_true', help='change nothing; fail if --doc is not current')
    args = ap.parse_args()
    try:
        wanted = generate(args.header, args.doc)
    except Failure as e:
        print('gen-man: ' + str(e), file=sys.stderr)
        return 1
    if args.check:
        have = current(args.doc)
        differ = False
        for name in sorted(set(have) | set(wanted)):
            a, b = have.get(name), wanted.get(name)
            if a == b:
                continue
            differ = True
            if a is None:
                print('gen-man: doc/%s is missing' % name, file=sys.stderr)
            elif b is None:
                print('gen-man: doc/%s is stale (no function of that name)' % name, file=sys.stderr)
            else:
                sys.stderr.writelines(difflib.unified_diff(
                    a.splitlines(True), b.splitlines(True), 'doc/' + name, 'generated/' + name))
        if differ:
            print('gen-man: the man pages are not current: run scripts/gen-man.py to update them',
                  file=sys.stderr)
            return 1
        return 0
    out = args.out or args.doc
    os.makedirs(out, exist_ok=True)
    if out == args.doc:  # drop alias pages of functions that are gone
        for name, text in current(out).items():
            if name not in wanted and alias_comments(text) is not None:
                os.remove(os.path.join(out, name))
    for name, text in wanted.items():
        path = os.path.join(out, name)
        with tempfile.NamedTemporaryFile('w', dir=out, delete=False, encoding='utf-8') as f:
            f.write(text)
        os.chmod(f.name, 0o644)
        os.replace(f.name, path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
