#include "pdf/invoice_pdf.hpp"

#include <algorithm>

namespace imuse::pdf {

namespace {

// y of a distance from the top of the page, in millimetres.
double top(double millimetres) {
  return kPageHeight - mm(millimetres);
}

const double kLeft = mm(15), kRight = kPageWidth - mm(15);
// Lowest baseline of the body; the footer (legal mentions, page numbers) lies below.
const double kBottom = mm(28);

// The window of a French DL (110 × 220 mm) or C5/6 envelope, right-hand window 100 × 45 mm
// placed 20 mm from the right edge and 15 mm from the bottom of the envelope, with the A4 sheet
// folded in three: on the sheet, the window shows x 90–190 mm, y ≈ 50–95 mm from the top. The
// address block sits inside with a margin for the play of the sheet in the envelope:
// x from 100 mm, first line at 55 mm, at most 6 lines of 4.2 mm (ends before 85 mm).
const double kWindowX = mm(100), kWindowFirstLine = 55, kWindowLine = 4.2;

std::string join_nonempty(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!p.empty()) {
      out += (out.empty() ? "" : sep) + p;
    }
  }
  return out;
}

std::string euros(Cents c) {
  return format_euros(c);
}

std::string digits(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    if (ch >= '0' && ch <= '9')
      out += ch;
  }
  return out;
}

class Layout {
 public:
  Layout(Canvas& c, const Issuer& issuer, bool duplicata) : c_(c), issuer_(issuer), duplicata_(duplicata) {}

  // The school's identity at the top left: the logo, and beside it (or alone) the name, address
  // and contacts, all above 48 mm so that the document's identity and the window block below
  // stay clear; the DUPLICATA box keeps the top right.
  void school_header() {
    const bool logo = c_.logo(kLeft, top(12), mm(40), mm(18));
    const double x = logo ? kLeft + mm(44) : kLeft;
    const double max_width = kRight - mm(54) - x;
    double y = top(16);
    for (const auto& line : c_.wrap(issuer_.name, 11, max_width, Face::bold)) {
      c_.text(x, y, line, 11, Face::bold);
      y -= mm(4.6);
    }
    std::vector<std::string> lines = issuer_.address;
    lines.push_back(join_nonempty({issuer_.postal_code, issuer_.city}, " "));
    lines.push_back(join_nonempty({issuer_.phone.empty() ? "" : "Tél. " + issuer_.phone, issuer_.email}, " · "));
    lines.push_back(issuer_.website);
    for (const auto& l : lines) {
      if (!l.empty() && y > top(48)) {
        c_.text(x, y, l, 8);
        y -= mm(3.6);
      }
    }
  }

  // The recipient's postal address, in the envelope window.
  void address_block(const Recipient& r) {
    std::vector<std::string> lines{r.name};
    for (const auto& a : r.address)
      lines.push_back(a);
    lines.push_back(join_nonempty({r.postal_code, r.city}, " "));
    if (!r.country.empty())
      lines.push_back(r.country);
    double y = top(kWindowFirstLine);
    int n = 0;
    for (const auto& l : lines) {
      if (l.empty() || n == 6)
        continue;
      for (const auto& part : c_.wrap(l, 10, mm(88), n == 0 ? Face::bold : Face::regular)) {
        if (n == 6)
          break;
        c_.text(kWindowX, y, part, 10, n == 0 ? Face::bold : Face::regular);
        y -= mm(kWindowLine);
        ++n;
      }
    }
  }

  // The DUPLICATA mark on every page of a re-print: a red boxed word at the top right and a
  // light diagonal watermark across the page.
  void duplicata_mark() {
    if (!duplicata_)
      return;
    c_.raw("q 0.93 0.93 0.93 rg 0.7071 0.7071 -0.7071 0.7071 150 230 cm");
    c_.text(0, 0, "DUPLICATA", 80, Face::bold);
    c_.raw("Q");
    c_.raw("q");
    c_.fill_color(0.75, 0.1, 0.1);
    c_.stroke_rect(kRight - mm(52), top(24), mm(52), mm(10), 1.2, 0.4);
    c_.text(kRight - mm(26), top(21), "DUPLICATA", 15, Face::bold, Align::center);
    c_.raw("Q");
  }

  // Legal mentions and page number at the bottom of every page.
  void footers(const std::string& reference) {
    const std::size_t pages = c_.page_count();
    for (std::size_t i = 0; i < pages; ++i) {
      c_.select_page(i);
      c_.line(kLeft, mm(16), kRight, mm(16), 0.4, 0.6);
      std::string legal = issuer_.legal_mentions;
      if (!issuer_.siret.empty() && digits(legal).find(digits(issuer_.siret)) == std::string::npos) {
        legal = join_nonempty({legal, "SIRET " + issuer_.siret}, " · ");
      }
      double y = mm(12.5);
      for (const auto& l : c_.wrap(legal, 7, kRight - kLeft - mm(30))) {
        c_.text(kLeft, y, l, 7);
        y -= mm(3);
      }
      c_.text(kRight, mm(12.5), "Page " + std::to_string(i + 1) + "/" + std::to_string(pages), 7, Face::regular,
              Align::right);
      c_.text(kRight, mm(9.5), reference, 7, Face::regular, Align::right);
    }
  }

  Canvas& c_;
  const Issuer& issuer_;
  bool duplicata_;
};

// The lines table: column right edges (or left for text columns) in points.
struct Columns {
  double label = kLeft + 2, student = kLeft + mm(72), quantity = kLeft + mm(117), unit = kLeft + mm(140),
         discount = kLeft + mm(160), amount = kRight - 2;
};

void table_header(Canvas& c, double y) {
  const Columns col;
  c.rect(kLeft, y - mm(1.6), kRight - kLeft, mm(5.6), 0.88);
  c.text(col.label, y, "Désignation", 8, Face::bold);
  c.text(col.student, y, "Élève", 8, Face::bold);
  c.text(col.quantity, y, "Qté", 8, Face::bold, Align::right);
  c.text(col.unit, y, "Prix unitaire", 8, Face::bold, Align::right);
  c.text(col.discount, y, "Remise", 8, Face::bold, Align::right);
  c.text(col.amount, y, "Montant", 8, Face::bold, Align::right);
}

}  // namespace

std::string payment_mode_label(const std::string& mode) {
  if (mode == "cheque")
    return "Chèque";
  if (mode == "cash")
    return "Espèces";
  if (mode == "card")
    return "Carte bancaire";
  if (mode == "transfer")
    return "Virement";
  if (mode == "direct_debit")
    return "Prélèvement";
  if (mode == "payfip")
    return "Paiement en ligne (PayFIP)";
  if (mode == "tav")
    return "TAV (transmis au Trésor Public)";
  return mode;
}

std::string ledger_label(const std::string& ledger) {
  return ledger == "rental" ? "Locations" : ledger == "tuition" ? "Cotisations" : ledger;
}

Renderer::Renderer(std::shared_ptr<const Assets> assets) : assets_(std::move(assets)) {}

std::string Renderer::invoice(const Issuer& issuer, const InvoiceDocument& d, std::int64_t epoch) const {
  Canvas c(assets_);
  Layout layout(c, issuer, d.duplicata);
  const std::string kind = d.credit_note ? "Avoir" : "Facture";
  const std::string title = kind + " " + d.number;
  const Columns col;

  c.new_page();
  layout.duplicata_mark();
  layout.school_header();
  layout.address_block(d.recipient);
  // The document's identity, left of the window.
  double y = top(kWindowFirstLine);
  c.text(kLeft, y, d.credit_note ? "AVOIR" : "FACTURE", 18, Face::bold);
  y -= mm(6.5);
  const std::vector<std::pair<std::string, std::string>> facts{
      {"N° :", d.number},
      {"Date :", d.issued_on.french()},
      {"Année scolaire :", d.school_year},
      {"Facturation :", ledger_label(d.ledger)},
      {"Famille n° :", std::to_string(d.family_id)},
      {d.credit_note ? "Sur la facture :" : (d.corrects_number.empty() ? "" : "Corrige :"), d.corrects_number},
  };
  for (const auto& [k, v] : facts) {
    if (k.empty() || v.empty())
      continue;
    c.text(kLeft, y, k, 9);
    c.text(kLeft + mm(28), y, v, 9, k == "N° :" ? Face::bold : Face::regular);
    y -= mm(4.4);
  }

  y = top(100);
  for (const auto& l : c.wrap("Objet : " + d.label, 9.5, kRight - kLeft, Face::bold)) {
    c.text(kLeft, y, l, 9.5, Face::bold);
    y -= mm(5);
  }
  y -= mm(2);
  table_header(c, y);
  y -= mm(6.5);

  const auto continuation_page = [&] {
    c.new_page();
    layout.duplicata_mark();
    double yy = top(15);
    c.text(kLeft, yy, issuer.name, 10, Face::bold);
    c.text(kRight, yy - mm(12), title + " (suite)", 10, Face::bold, Align::right);
    return top(35);
  };

  for (const auto& line : d.lines) {
    const auto label_lines = c.wrap(line.label, 8, col.student - col.label - mm(3));
    const auto student_lines = c.wrap(line.student, 8, col.quantity - col.student - mm(12));
    const double rows = static_cast<double>(std::max(label_lines.size(), student_lines.size()));
    const double h = rows * mm(3.6) + mm(1.6);
    if (y - h < kBottom) {
      y = continuation_page();
      table_header(c, y);
      y -= mm(6.5);
    }
    double ly = y;
    for (const auto& l : label_lines) {
      c.text(col.label, ly, l, 8);
      ly -= mm(3.6);
    }
    ly = y;
    for (const auto& l : student_lines) {
      c.text(col.student, ly, l, 8);
      ly -= mm(3.6);
    }
    c.text(col.quantity, y, std::to_string(line.quantity), 8, Face::regular, Align::right);
    c.text(col.unit, y, euros(line.unit_price), 8, Face::regular, Align::right);
    c.text(col.discount, y, line.discount ? euros(line.discount) : "", 8, Face::regular, Align::right);
    c.text(col.amount, y, euros(line.amount), 8, Face::regular, Align::right);
    y -= h;
    c.line(kLeft, y + mm(2.4), kRight, y + mm(2.4), 0.3, 0.8);
  }

  // Totals.
  std::vector<std::pair<std::string, Cents>> totals;
  if (d.credit_note) {
    totals = {{"Montant de l'avoir", d.total}};
  } else {
    totals.emplace_back("Montant total facturé", d.total);
    if (d.credited)
      totals.emplace_back("Avoirs", d.credited);
    totals.emplace_back("Déjà réglé", d.paid);
    totals.emplace_back("Reste à payer", d.due);
  }
  const double totals_h = mm(5) * static_cast<double>(totals.size()) + mm(4);
  if (y - totals_h < kBottom)
    y = continuation_page();
  y -= mm(2);
  for (std::size_t i = 0; i < totals.size(); ++i) {
    const bool last = i + 1 == totals.size();
    if (last)
      c.rect(kLeft + mm(100), y - mm(1.8), kRight - kLeft - mm(100), mm(5.8), 0.9);
    c.text(kLeft + mm(102), y, totals[i].first, 9, last ? Face::bold : Face::regular);
    c.text(col.amount, y, euros(totals[i].second), 9, last ? Face::bold : Face::regular, Align::right);
    y -= mm(5.5);
  }

  // Instalment schedule.
  if (!d.credit_note && !d.instalments.empty()) {
    const double h = mm(12) + mm(4.2) * static_cast<double>(d.instalments.size());
    if (y - h < kBottom)
      y = continuation_page();
    y -= mm(4);
    c.text(kLeft, y, "Échéancier", 10, Face::bold);
    y -= mm(5);
    c.text(kLeft + mm(2), y, "Échéance", 8, Face::bold);
    c.text(kLeft + mm(22), y, "Date", 8, Face::bold);
    c.text(kLeft + mm(75), y, "Montant", 8, Face::bold, Align::right);
    c.text(kLeft + mm(82), y, "Règlement", 8, Face::bold);
    y -= mm(4.2);
    for (const auto& i : d.instalments) {
      c.text(kLeft + mm(2), y, std::to_string(i.number) + "/" + std::to_string(d.instalments.size()), 8);
      c.text(kLeft + mm(22), y, i.due_on.french(), 8);
      c.text(kLeft + mm(75), y, euros(i.amount), 8, Face::regular, Align::right);
      c.text(kLeft + mm(82), y, i.direct_debit ? "prélèvement automatique" : "à régler avant cette date", 8);
      y -= mm(4.2);
    }
  }

  // How to pay.
  if (!d.credit_note) {
    std::vector<std::pair<std::string, std::string>> ways;
    if (d.due <= 0) {
      ways.emplace_back("", "Facture acquittée : il ne reste rien à payer.");
    } else {
      const bool all_debit = !d.instalments.empty() && std::all_of(d.instalments.begin(), d.instalments.end(),
                                                                   [](const Instalment& i) { return i.direct_debit; });
      if (all_debit) {
        ways.emplace_back("Prélèvement :", "les échéances seront prélevées sur votre compte aux dates indiquées.");
      } else {
        ways.emplace_back("En ligne :", "par carte bancaire sur PayFIP, " + issuer.payfip_url + " — référence « " +
                                            d.payfip_reference + " »");
        if (!issuer.iban.empty()) {
          ways.emplace_back("Par virement :", "IBAN " + issuer.iban +
                                                  (issuer.bic.empty() ? "" : " — BIC " + issuer.bic) + " — libellé « " +
                                                  d.number + " »");
        }
        if (!issuer.payee.empty()) {
          ways.emplace_back("Par chèque :", "à l'ordre de « " + issuer.payee + " », numéro de facture au dos");
        }
        ways.emplace_back("Sur place :", "espèces ou carte bancaire au secrétariat, avec cette facture.");
      }
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> wrapped;
    double h = mm(9);
    for (const auto& [k, v] : ways) {
      wrapped.emplace_back(k, c.wrap(v, 8, kRight - kLeft - mm(30)));
      h += mm(3.8) * static_cast<double>(wrapped.back().second.size());
    }
    if (y - h < kBottom)
      y = continuation_page();
    y -= mm(4);
    c.text(kLeft, y, d.due <= 0 ? "Règlement" : "Comment payer", 10, Face::bold);
    y -= mm(5);
    for (const auto& [k, lines] : wrapped) {
      c.text(kLeft + mm(2), y, k, 8, Face::bold);
      for (const auto& l : lines) {
        c.text(kLeft + (k.empty() ? mm(2) : mm(28)), y, l, 8);
        y -= mm(3.8);
      }
    }
  }

  layout.footers(title);
  return c.finish(DocumentInfo{title, issuer.name.empty() ? "imuse-admin" : issuer.name,
                               ledger_label(d.ledger) + " " + d.school_year + " — " + d.recipient.name, epoch});
}

std::string Renderer::receipt(const Issuer& issuer, const ReceiptDocument& d, std::int64_t epoch) const {
  Canvas c(assets_);
  Layout layout(c, issuer, d.duplicata);
  const std::string title = "Reçu " + d.number;
  c.new_page();
  layout.duplicata_mark();
  layout.school_header();
  layout.address_block(d.payer);

  double y = top(kWindowFirstLine);
  c.text(kLeft, y, "REÇU", 18, Face::bold);
  y -= mm(6.5);
  c.text(kLeft, y, "N° :", 9);
  c.text(kLeft + mm(28), y, d.number, 9, Face::bold);
  y -= mm(4.4);
  c.text(kLeft, y, "Date :", 9);
  c.text(kLeft + mm(28), y, d.paid_on.french(), 9);
  y -= mm(4.4);
  c.text(kLeft, y, "Famille n° :", 9);
  c.text(kLeft + mm(28), y, std::to_string(d.family_id), 9);

  y = top(100);
  const std::string certifies = (issuer.name.empty() ? std::string("L'établissement") : issuer.name) +
                                " certifie avoir reçu de " + d.payer.name + " la somme de " + format_euros(d.amount) +
                                " en règlement de la facture " + d.invoice_number + ".";
  for (const auto& l : c.wrap(certifies, 10, kRight - kLeft)) {
    c.text(kLeft, y, l, 10);
    y -= mm(5);
  }
  y -= mm(4);
  const std::vector<std::pair<std::string, std::string>> rows{
      {"Montant réglé", format_euros(d.amount)},
      {"Date du règlement", d.paid_on.french()},
      {"Mode de règlement", payment_mode_label(d.mode)},
      {"Référence du règlement", d.reference},
      {"Facture réglée", d.invoice_number},
      {"Facturation", ledger_label(d.ledger) + " " + d.school_year},
      {"Montant de la facture", format_euros(d.invoice_total)},
      {"Reste à payer sur la facture", format_euros(d.remaining_due)},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].second.empty())
      continue;
    if (i % 2 == 0)
      c.rect(kLeft, y - mm(1.8), kRight - kLeft, mm(6), 0.94);
    const Face face = i == 0 ? Face::bold : Face::regular;
    c.text(kLeft + mm(2), y, rows[i].first, 9.5, face);
    c.text(kLeft + mm(80), y, rows[i].second, 9.5, face);
    y -= mm(6);
  }
  layout.footers(title);
  return c.finish(DocumentInfo{title, issuer.name.empty() ? "imuse-admin" : issuer.name,
                               "Règlement de la facture " + d.invoice_number + " — " + d.payer.name, epoch});
}

}  // namespace imuse::pdf
