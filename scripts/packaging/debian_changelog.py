#!/usr/bin/env python3
"""Writes the Debian changelog (/usr/share/doc/acuhook/changelog.gz) for one release from
CHANGELOG.md: the `## [VERSION] - DATE` section's headings and first lines of its items.

    debian_changelog.py VERSION CHANGELOG.md > changelog
"""
import email.utils
import re
import sys
import textwrap
from datetime import datetime, timezone


def section(text: str, version: str) -> tuple[list[str], datetime]:
    """The item lines of the release's section, and its date (today when it has none)."""
    base = version.split("+")[0].split("~")[0]
    heading = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?")
    lines, date, inside = [], None, False
    for line in text.splitlines():
        match = heading.match(line)
        if match:
            if inside:
                break
            inside = match["name"] == base
            if inside and match["date"]:
                date = datetime.strptime(match["date"], "%Y-%m-%d").replace(hour=12, tzinfo=timezone.utc)
            continue
        if inside:
            lines.append(line)
    if not inside and not lines:
        sys.exit(f"debian_changelog: CHANGELOG.md has no section ## [{base}]")
    return lines, date or datetime.now(timezone.utc)


def items(lines: list[str]) -> list[str]:
    """`### Added` + `- text…` (continued on indented lines) → `Added: text…`."""
    result, kind = [], ""
    for line in lines:
        if line.startswith("### "):
            kind = line[4:].strip()
        elif line.startswith("- "):
            result.append(f"{kind}: {line[2:].strip()}" if kind else line[2:].strip())
        elif line.startswith("  ") and result:
            result[-1] += " " + line.strip()
    return result


def main() -> None:
    version, path = sys.argv[1], sys.argv[2]
    lines, date = section(open(path, encoding="utf-8").read(), version)
    print(f"acuhook ({version}) unstable; urgency=medium\n")
    for item in items(lines):
        print(textwrap.fill(item, width=78, initial_indent="  * ", subsequent_indent="    "))
    print(f"\n -- Acuhook <maintainers@acuhook.dev>  {email.utils.format_datetime(date)}")


if __name__ == "__main__":
    main()
