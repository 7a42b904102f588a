#!/usr/bin/python3
"""Every relative link in README.md and docs/*.md names a file that exists and, with #,
a heading in it (GitHub's anchors). Usage: docs_links_check.py SOURCE_DIR"""
import re, os, sys, glob
root=sys.argv[1]
def gh_slug(text):
    s=text.strip().lower()
    s=re.sub(r'[^\w\- ]','',s)
    return s.replace(' ','-')
def anchors(path):
    res=set(); fence=False
    for l in open(path).read().split('\n'):
        if l.startswith('```'): fence=not fence
        m=re.match(r'^(#{1,6}) (.*)$',l)
        if m and not fence:
            s=gh_slug(m.group(2)); base=s; k=1
            while s in res: s=f'{base}-{k}'; k+=1
            res.add(s)
    return res
bad=0
files=[os.path.join(root,'README.md')]+sorted(glob.glob(os.path.join(root,'docs','*.md')))
for f in files:
    text=open(f).read()
    text=re.sub(r'```.*?```','',text,flags=re.S)
    for m in re.finditer(r'\[[^\]]*\]\(([^)\s]+)\)',text):
        t=m.group(1)
        if re.match(r'^(https?:|mailto:)',t): continue
        path,_,anchor=t.partition('#')
        target=os.path.normpath(os.path.join(os.path.dirname(f),path)) if path else f
        if not os.path.exists(target):
            print(f'{os.path.relpath(f,root)}: {t}: no such file'); bad+=1; continue
        if anchor and target.endswith('.md') and anchor not in anchors(target):
            print(f'{os.path.relpath(f,root)}: {t}: no such heading'); bad+=1
print(f'{bad} broken link(s) in {len(files)} files')
sys.exit(1 if bad else 0)
