#!/usr/bin/python3
"""The invoices of scripts/bench-pdf.sh rendered by ReportLab, for comparison with imuse-admin.

Usage: bench-pdf-reportlab.py INVOICES.jsonl OUT_DIR FONT.ttf FONT_BOLD.ttf
       bench-pdf-reportlab.py --html TEMPLATE INVOICES.jsonl OUT_DIR FONT.ttf

The same fields as `imuse-admin invoices pdf` prints (school, address in the envelope window,
number, date, school year, lines, totals, instalments, how to pay, legal mentions), DejaVu Sans
regular and bold embedded as subsets (ReportLab's TTFont), title and author set. Prints
"rendered N SECONDS RATE": the time of rendering and writing only (the JSON is read before).
With --html, writes one HTML file per invoice from TEMPLATE for wkhtmltopdf instead.
"""
import html
import json
import os
import sys
import time


def euros(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    units = f"{cents // 100:,}".replace(",", " ")
    return f"{sign}{units},{cents % 100:02d} €"


SCHOOL = {
    "name": "École de musique et de danse d’Albertville",
    "address": ["1 place de l'Hôtel de Ville", "73200 Albertville", "Tél. 04 79 00 12 34 · secretariat@emd.example.fr"],
    "legal": "Régie de recettes instituée par arrêté municipal · SIRET 219 999 992 00015",
    "payfip": "https://www.payfip.gouv.fr/",
    "iban": "FR76 1000 7000 0100 0000 0000 185",
    "bic": "BDFEFRPPCCT",
    "payee": "Régie de recettes de l'école de musique et de danse",
}


def render_reportlab(invoices, out_dir, font, font_bold):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", font))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", font_bold))
    width, height = A4
    left, right = 15 * mm, width - 15 * mm

    def top(v):
        return height - v * mm

    start = time.perf_counter()
    for d in invoices:
        c = canvas.Canvas(os.path.join(out_dir, d["number"] + ".pdf"), pagesize=A4, pageCompression=1)
        c.setTitle("Facture " + d["number"])
        c.setAuthor(SCHOOL["name"])
        c.setFont("DejaVu-Bold", 11)
        c.drawString(left, top(19), SCHOOL["name"])
        c.setFont("DejaVu", 8)
        y = top(24)
        for line in SCHOOL["address"]:
            c.drawString(left, y, line)
            y -= 3.6 * mm
        y = top(55)
        c.setFont("DejaVu-Bold", 10)
        for i, line in enumerate([d["name"]] + d["address"] + [d["city"]]):
            c.setFont("DejaVu-Bold" if i == 0 else "DejaVu", 10)
            c.drawString(100 * mm, y, line)
            y -= 4.2 * mm
        y = top(55)
        c.setFont("DejaVu-Bold", 18)
        c.drawString(left, y, "FACTURE")
        y -= 6.5 * mm
        for k, v in (("N° :", d["number"]), ("Date :", d["issued_on"]), ("Année scolaire :", d["school_year"]),
                     ("Facturation :", d["ledger"]), ("Famille n° :", str(d["family_id"]))):
            c.setFont("DejaVu", 9)
            c.drawString(left, y, k)
            c.drawString(left + 28 * mm, y, v)
            y -= 4.4 * mm
        y = top(100)
        c.setFont("DejaVu-Bold", 9.5)
        c.drawString(left, y, "Objet : " + d["label"])
        y -= 7 * mm
        c.setFillGray(0.88)
        c.rect(left, y - 1.6 * mm, right - left, 5.6 * mm, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont("DejaVu-Bold", 8)
        cols = (left + 2, left + 72 * mm, left + 117 * mm, left + 140 * mm, left + 160 * mm, right - 2)
        c.drawString(cols[0], y, "Désignation")
        c.drawString(cols[1], y, "Élève")
        for x, t in zip(cols[2:], ("Qté", "Prix unitaire", "Remise", "Montant")):
            c.drawRightString(x, y, t)
        y -= 6.5 * mm
        c.setFont("DejaVu", 8)
        for line in d["lines"]:
            c.drawString(cols[0], y, line["label"])
            c.drawString(cols[1], y, line["student"])
            c.drawRightString(cols[2], y, str(line["quantity"]))
            c.drawRightString(cols[3], y, euros(line["unit"]))
            if line["discount"]:
                c.drawRightString(cols[4], y, euros(line["discount"]))
            c.drawRightString(cols[5], y, euros(line["amount"]))
            y -= 5.2 * mm
            c.setStrokeGray(0.8)
            c.line(left, y + 2.4 * mm, right, y + 2.4 * mm)
        y -= 2 * mm
        for label, value in (("Montant total facturé", d["total"]), ("Déjà réglé", d["paid"]),
                             ("Reste à payer", d["total"] - d["paid"])):
            c.setFont("DejaVu", 9)
            c.drawString(left + 102 * mm, y, label)
            c.drawRightString(cols[5], y, euros(value))
            y -= 5.5 * mm
        y -= 4 * mm
        c.setFont("DejaVu-Bold", 10)
        c.drawString(left, y, "Échéancier")
        y -= 5 * mm
        c.setFont("DejaVu", 8)
        for t in d["instalments"]:
            c.drawString(left + 2 * mm, y, f"{t['number']}/{len(d['instalments'])}")
            c.drawString(left + 22 * mm, y, t["due_on"])
            c.drawRightString(left + 75 * mm, y, euros(t["amount"]))
            c.drawString(left + 82 * mm, y, "prélèvement automatique" if t["direct_debit"] else "à régler avant cette date")
            y -= 4.2 * mm
        y -= 4 * mm
        c.setFont("DejaVu-Bold", 10)
        c.drawString(left, y, "Comment payer")
        y -= 5 * mm
        c.setFont("DejaVu", 8)
        for k, v in (("En ligne :", f"par carte bancaire sur PayFIP, {SCHOOL['payfip']} — référence « {d['payfip']} »"),
                     ("Par virement :", f"IBAN {SCHOOL['iban']} — BIC {SCHOOL['bic']} — libellé « {d['number']} »"),
                     ("Par chèque :", f"à l'ordre de « {SCHOOL['payee']} », numéro de facture au dos")):
            c.drawString(left + 2 * mm, y, k)
            c.drawString(left + 28 * mm, y, v)
            y -= 3.8 * mm
        c.setFont("DejaVu", 7)
        c.drawString(left, 12.5 * mm, SCHOOL["legal"])
        c.drawRightString(right, 12.5 * mm, "Page 1/1")
        c.drawRightString(right, 9.5 * mm, "Facture " + d["number"])
        c.showPage()
        c.save()
    return time.perf_counter() - start


def render_html(template_path, invoices, out_dir, font):
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    e = html.escape
    for d in invoices:
        lines = "".join(
            f"<tr><td>{e(l['label'])}</td><td>{e(l['student'])}</td><td class=r>{l['quantity']}</td>"
            f"<td class=r>{euros(l['unit'])}</td><td class=r>{euros(l['discount']) if l['discount'] else ''}</td>"
            f"<td class=r>{euros(l['amount'])}</td></tr>" for l in d["lines"])
        instalments = "".join(
            f"<tr><td>{t['number']}/{len(d['instalments'])}</td><td>{t['due_on']}</td><td class=r>{euros(t['amount'])}</td>"
            f"<td>{'prélèvement automatique' if t['direct_debit'] else 'à régler avant cette date'}</td></tr>"
            for t in d["instalments"])
        values = {
            "font": font, "school": e(SCHOOL["name"]), "school_address": "<br>".join(map(e, SCHOOL["address"])),
            "name": e(d["name"]), "address": "<br>".join(map(e, d["address"] + [d["city"]])),
            "number": d["number"], "issued_on": d["issued_on"], "school_year": d["school_year"],
            "ledger": d["ledger"], "family_id": str(d["family_id"]), "label": e(d["label"]), "lines": lines,
            "total": euros(d["total"]), "paid": euros(d["paid"]), "due": euros(d["total"] - d["paid"]),
            "instalments": instalments, "payfip": e(SCHOOL["payfip"]), "reference": d["payfip"],
            "iban": SCHOOL["iban"], "bic": SCHOOL["bic"], "payee": e(SCHOOL["payee"]), "legal": e(SCHOOL["legal"]),
        }
        page = template
        for k, v in values.items():
            page = page.replace("{{" + k + "}}", v)
        with open(os.path.join(out_dir, d["number"] + ".html"), "w", encoding="utf-8") as f:
            f.write(page)


def main(argv):
    if len(argv) >= 2 and argv[1] == "--html":
        template, source, out_dir, font = argv[2:6]
        invoices = [json.loads(l) for l in open(source, encoding="utf-8") if l.strip()]
        os.makedirs(out_dir, exist_ok=True)
        render_html(template, invoices, out_dir, font)
        return 0
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 64
    source, out_dir, font, font_bold = argv[1:5]
    invoices = [json.loads(l) for l in open(source, encoding="utf-8") if l.strip()]
    os.makedirs(out_dir, exist_ok=True)
    seconds = render_reportlab(invoices, out_dir, font, font_bold)
    print(f"rendered {seconds:.2f} {len(invoices) / seconds:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
