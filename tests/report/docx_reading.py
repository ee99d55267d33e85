"""Reading a generated .docx back: its blocks in order under their headings, tables as frames."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph


@dataclass
class Item:
    h1: str
    h2: str
    h3: str
    kind: str  # paragraph | table
    style: str
    text: str
    table: pd.DataFrame | None = None
    lead: str = ""  # the paragraph's bold start


def read_docx(data: bytes) -> list[Item]:
    doc = Document(io.BytesIO(data))
    items, h1, h2, h3 = [], "", "", ""
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            style = block.style.name
            if style == "Heading 1":
                h1, h2, h3 = block.text, "", ""
            elif style == "Heading 2":
                h2, h3 = block.text, ""
            elif style == "Heading 3":
                h3 = block.text
            lead = "".join(r.text for r in block.runs[:1] if r.bold) if block.runs else ""
            items.append(Item(h1, h2, h3, "paragraph", style, block.text, lead=lead))
        elif isinstance(block, Table):
            rows = [[c.text for c in row.cells] for row in block.rows]
            items.append(
                Item(
                    h1,
                    h2,
                    h3,
                    "table",
                    block.style.name if block.style else "",
                    "\n".join(" | ".join(r) for r in rows),
                    pd.DataFrame(rows[1:], columns=rows[0]),
                )
            )
    return items


# thousands separated by commas; a comma after a number is punctuation ("was 2,006, not compared")
NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")


def numbers_in(text: str) -> list[str]:
    return NUMBER.findall(text)
