"""The report as a Word document (python-docx): Word's own Title and Heading styles (so the navigation pane
and a screen reader find the structure), real tables whose first row is a header repeated on each page, and
charts as pictures with alternative text."""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from metrics.report.layout import Bullets, Heading, Image, Para, Table, blocks
from metrics.report.model import ReportModel

WARNING_COLOUR = RGBColor(0x9A, 0x34, 0x00)
DEMO_SHADE = "FFF4CE"
HEADER_SHADE = "DCE6F0"
TABLE_STYLE = "Table Grid"


def _shade(tc, fill: str) -> None:
    """Shade a table cell (its w:tc element)."""
    props = tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


def _repeat_header(row) -> None:
    """Mark a row as the table's header row: Word repeats it on every page and reads it as column headers."""
    props = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _paragraph(doc, text: str, style_id: str | None):
    """doc.add_paragraph(text, style) with the style's id found once per document (python-docx looks a style
    name up anew for every paragraph)."""
    p = doc.add_paragraph(text)
    p._p.style = style_id
    return p


def _style_ids(doc) -> dict[str, str | None]:
    """The ids of the paragraph styles the report uses, by name, and of its tables' style."""
    names = ["Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "List Bullet", "Intense Quote"]
    ids = {name: doc.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH) for name in names}
    return ids | {TABLE_STYLE: doc.part.get_style_id(TABLE_STYLE, WD_STYLE_TYPE.TABLE)}


def _table(doc, block: Table, styles: dict[str, str | None]) -> None:
    table = doc.add_table(rows=1, cols=len(block.header))
    table._tbl.tblStyle_val = styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = Pt(8) if len(block.header) > 6 else Pt(9)
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, block.header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = size
        _shade(cell._tc, HEADER_SHADE)
    # Each body row is a copy of one empty row made as python-docx makes it, its runs' text then set: the same
    # XML as a row added and filled cell by cell, without python-docx working each cell out again.
    blank = table.add_row()
    for cell in blank.cells:
        cell.text = ""
        cell.paragraphs[0].add_run().font.size = size
    template = blank._tr
    table._tbl.remove(template)
    for n, values in enumerate(block.rows):
        tr = copy.deepcopy(template)
        table._tbl.append(tr)
        demo = n < len(block.demo_rows) and block.demo_rows[n]
        for tc, text in zip(tr.tc_lst, values):
            tc.p_lst[0].r_lst[-1].text = text
            if demo:
                _shade(tc, DEMO_SHADE)
    caption = _paragraph(doc, block.caption, styles["Caption"])
    caption.paragraph_format.space_after = Pt(10)


def render_docx(model: ReportModel, images: Mapping[str, bytes]) -> bytes:
    """The .docx file's bytes. `images`: PNG bytes per chart key (metrics.report.charts.draw, or charts.Drawings,
    which waits for each picture as it is reached)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    props = doc.core_properties
    props.title = model.document_title
    props.subject = f"Combating Drugs Outcomes Framework: {model.area.name}"
    props.author = "Combating Drugs Outcomes Dashboard"
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    styles = _style_ids(doc)
    for block in blocks(model):
        if isinstance(block, Heading):
            _paragraph(doc, block.text, styles["Title" if block.level == 0 else f"Heading {block.level}"])
        elif isinstance(block, Para):
            if block.kind == "warning":
                p = _paragraph(doc, "", styles["Intense Quote"])
                run = p.add_run("Warning: " + block.text)
                run.bold = True
                run.font.color.rgb = WARNING_COLOUR
            elif block.kind == "caption":
                _paragraph(doc, block.text, styles["Caption"])
            else:
                p = doc.add_paragraph()
                if block.lead:
                    p.add_run(block.lead).bold = True
                run = p.add_run(block.text)
                run.italic = block.kind == "note"
        elif isinstance(block, Bullets):
            for item in block.items:
                _paragraph(doc, item, styles["List Bullet"])
        elif isinstance(block, Table):
            _table(doc, block, styles)
        elif isinstance(block, Image):
            png = images.get(block.key)
            if png is None:
                doc.add_paragraph(f"(Chart not drawn.) {block.alt}")
                continue
            doc.add_paragraph().add_run().add_picture(io.BytesIO(png), width=width)
            shape = doc.inline_shapes[-1]
            shape._inline.docPr.set("descr", block.alt)  # the picture's alternative text
            shape._inline.docPr.set("title", block.caption)
            _paragraph(doc, block.caption, styles["Caption"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
