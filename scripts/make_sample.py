"""Generate the sample corpus shipped in ``data/sample/`` from the text seeds.

Builds M2023-352.pdf, V2024-420.pdf and avis-convention-citoyenne-ia-2024.pdf:
PDFs with a real text layer, laid out like Montpellier council acts (running
header with the institution and a "Page N / M" footer on every page; header
block "Extrait du registre des délibérations…", présents, objet in bold,
"… rapporte :", body, vote).

The seed texts' words are kept; they are only re-flowed (hard-wrapped lines
joined into paragraphs, runs of spaces collapsed). Output is deterministic:
re-running gives byte-identical PDFs.

Needs the pip package ``fpdf2`` and the DejaVu fonts (Debian ``fonts-dejavu-core``).

Usage:  python scripts/make_sample.py [SEEDS_DIR] [OUT_DIR]
        (defaults: ../shared/seeds next to the repo, and data/sample in the repo)
"""

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

try:
    from fpdf import FPDF
except ImportError:
    sys.exit("make_sample.py needs fpdf2: pip install fpdf2")

REPO = Path(__file__).resolve().parents[1]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# fpdf2's "reproducible output" date: a fixed sentinel, not the date of any act.
FIXED_DATE = datetime(1969, 12, 31, 19, 0, 0, tzinfo=UTC)
SEEDS = {  # seed file -> output file
    "deliberation-M2023-352.txt": "M2023-352.pdf",
    "deliberation-V2024-420.txt": "V2024-420.pdf",
    "avis-convention-citoyenne-ia-2024.txt": "avis-convention-citoyenne-ia-2024.pdf",
}
ITEM = re.compile(r"^(- |\d+\. )")
RECORD = re.compile(r"^(Pour :|Contre :|Abstention|Ne prend|Acte |Envoi |Réception |Accusé |Publiée |\d{3}-)")
# The one non-French glitch in the seeds: an Arabic run inside a member's first
# name in the avis (PDF-extraction noise); transliterated letter for letter.
SEED_FIXES = {"Dili\u0627\u0646\u0627": "Diliana"}


def paragraphs(text):
    """Split on blank lines (a line indented by one space, a page break of the
    source, also starts a paragraph) and re-flow each paragraph: wrapped lines
    are joined; list items and record lines ("Pour : 79 voix") stay lines."""
    paras, lines = [], []
    for raw in text.splitlines() + [""]:
        line = re.sub(r"\s+", " ", raw).strip()
        if (not line or raw.startswith(" ")) and lines:
            paras.append("\n".join(lines))
            lines = []
        if not line:
            continue
        if lines and not (
            ITEM.match(line) or RECORD.match(line) or lines[-1].endswith((".", ":", ";", "!", "?"))
        ):
            prev = lines[-1]
            glue = "" if re.search(r"\w-$", prev) else " "  # "Roger-" + "Yannick"
            lines[-1] = prev + glue + line
        else:
            lines.append(line)
    return paras


def one_line(text):
    return re.sub(r"\s+", " ", text).strip()


class Act(FPDF):
    def __init__(self, left, right):
        super().__init__(format="A4")
        self.left, self.right = left, right
        for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
            path = FONT_DIR / name
            if not path.exists():
                sys.exit(
                    f"missing font {path}: install the Debian package fonts-dejavu-core "
                    "(apt-get install -y fonts-dejavu-core)"
                )
            self.add_font("DejaVu", style, str(path))
        self.set_creation_date(FIXED_DATE)
        self.set_lang("fr")
        self.set_margins(20, 22, 20)
        self.set_auto_page_break(True, margin=20)

    def header(self):
        self.set_font("DejaVu", "", 8)
        self.set_y(10)
        self.cell(self.epw / 2, 5, self.left)
        self.cell(self.epw / 2, 5, self.right, align="R", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, 15.5, self.w - self.r_margin, 15.5)
        self.set_y(22)

    def footer(self):
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"Page {self.page_no()} / {{nb}}", align="C")

    def para(self, text, size=10, style="", align="J", gap=2.0, keep=0):
        """One paragraph; its lines (list items, records) are kept as lines.
        keep: height (mm) that must still fit on the page, else break first."""
        if keep and self.will_page_break(keep):
            self.add_page()
        for line in text.split("\n"):  # numbered items ending in ":" are sub-headings
            self.set_font("DejaVu", style or ("B" if re.match(r"\d+\. .*:$", line) else ""), size)
            self.set_x(self.l_margin + (5 if line.startswith("- ") else 0))
            self.multi_cell(
                0, size * 0.5, line, align=align, markdown="**" in line, new_x="LMARGIN", new_y="NEXT"
            )
        self.ln(gap)


def deliberation(text):
    """Lay out a délibération: header block, présents, objet, rapporteur, body."""
    number = re.search(r"Délibération n°\s*(\S+)", text).group(1)
    text = re.sub(r"(?m)^\s*Délibération n°.*$", "", text)  # the source's own running header
    rapporte = re.search(r"(?m)^(.*rapporte :)\s*$", text)
    *head, objet = paragraphs(text[: rapporte.start()])  # the objet comes right before
    pick = lambda pat: [p for p in head if re.match(pat, p)]
    seance = one_line(pick(r"Séance")[0])
    extrait = one_line(pick(r"Extrait")[0])
    institution = re.search(r"délibérations (?:du Conseil municipal de la |de )(.+)", extrait).group(1)
    known = r"(Séance|Extrait|L[’']an|Nombre de membres|Présents|Absent)"
    theme = [one_line(p) for p in head if not re.match(known, p)]

    pdf = Act(institution, f"Délibération n°{number}")
    pdf.set_title(one_line(objet))
    pdf.add_page()
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(60, 4.5, "\n".join(theme), align="L")
    pdf.set_xy(pdf.w - pdf.r_margin - 85, top)
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(85, 5.5, extrait, align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(85, 6, f"n° {number}", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(85, 5, seance, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    for p in pick(r"Nombre de membres") + pick(r"L[’']an"):
        pdf.para(p, size=9.5)
    for p in pick(r"(Présents|Absent)"):
        label, _, names = p.partition("\n")
        pdf.para(label, size=9, style="B", gap=0.5)
        pdf.para(names, size=8, gap=2)
    pdf.ln(3)
    pdf.para(one_line(objet), size=11.5, style="B", align="C", gap=4, keep=40)
    pdf.para(rapporte.group(1).strip(), size=10.5, gap=3)
    for p in paragraphs(text[rapporte.end() :]):
        if re.match(r"(A l'issue|Le Conseil adopte)", p):  # the decision, then the vote counts
            decision, _, votes = p.partition("\n")
            pdf.para(decision, style="B", gap=2)
            if votes:
                pdf.para(votes)
        elif re.match(r"Monsieur le \w+ certifie", p):
            pdf.para(p, size=7, gap=0)
        elif re.match(r"(Accusé|Publiée|Pour extrait|Signé|Fait à)", p):
            pdf.para(p, size=8.5, align="L", gap=1.5)
        else:
            pdf.para(p)
    return pdf


def avis(text):
    """Lay out the citizen convention's opinion: title block, then sections."""
    paras = paragraphs(text)
    start = next(i for i, p in enumerate(paras) if len(p) > 200)  # end of the cover page
    cover, body = "\n".join(paras[:start]), paras[start:]
    question = one_line(re.search(r"QUELLE.*?\?", cover, re.DOTALL).group(0)).capitalize()
    period = re.search(r"(?m)^DE .*\d{4}$", cover).group(0).capitalize()
    rendu = one_line(re.search(r"Avis rendu par la\s+Convention citoyenne", cover).group(0))
    site = re.search(r"\S+\.fr/\S+", cover).group(0)

    pdf = Act("Montpellier Méditerranée Métropole", rendu)
    pdf.set_title(question)
    pdf.add_page()
    pdf.para(rendu, size=12, align="C", gap=3)
    pdf.para(question, size=14, style="B", align="C", gap=3)
    pdf.para(period, size=10, align="C", gap=1)
    pdf.para(site, size=9, align="C", gap=8)
    number = None
    for p in body:
        if p.isdigit():
            number = p
        elif number:
            pdf.para(f"{number}. {p}", size=12.5, style="B", align="L", gap=3, keep=40)
            number = None
        elif "\n" not in p and len(p) < 90 and not re.search(r"[,.:;!?»…]", p):  # a heading
            pdf.para(p, size=10.5, style="B", align="L", gap=2, keep=30)
        else:
            pdf.para(p)
    return pdf


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "seeds",
        nargs="?",
        type=Path,
        default=REPO.parent / "shared" / "seeds",
        help="directory of the seed .txt files (default: ../shared/seeds)",
    )
    ap.add_argument(
        "out",
        nargs="?",
        type=Path,
        default=REPO / "data" / "sample",
        help="output directory (default: data/sample in the repo)",
    )
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for seed, name in SEEDS.items():
        if not (args.seeds / seed).exists():
            sys.exit(f"missing seed {args.seeds / seed}")
        text = (args.seeds / seed).read_text(encoding="utf-8").replace("\u00a0", " ")
        for bad, good in SEED_FIXES.items():
            text = text.replace(bad, good)
        pdf = deliberation(text) if seed.startswith("deliberation-") else avis(text)
        pdf.output(str(args.out / name))
        print(f"{args.out / name}: {pdf.pages_count} pages")


if __name__ == "__main__":
    main()
