#!/usr/bin/python3
"""Generates a deterministic families CSV for benchmarks and manual tests.

The file is in the import's default layout "rows": the 25 default French headers of
core/import/family_fields.cpp, one row per student with the family columns repeated, and
one row with blank student columns for a family without students. The data look like an
authority's real export: common French surnames and first names with accents, compound
surnames, hyphenated first names, multi-line quoted addresses (some with ';' inside), real
postal codes and towns, phones, civilities and dates in the spellings offices type. Every
row is valid for `imuse-admin families import` (the benchmark measures the happy path):
  - every family has a unique "Réf famille" (F000001...), except about 5% without one;
    those are matched by name + first name + e-mail, which are unique because every
    family has its own e-mail address;
  - students of a family have distinct first names (a student is matched by first name +
    birth date), are 4 to 25 years old on 2025-09-01 and have valid birth dates.

Same arguments, same bytes: the output depends only on the options (fixed seed), not on
the date or the machine. Standard library only; rows are written as they are generated.

Usage:
  gen-families.py [--families N] [--seed S] [--encoding windows-1252|utf-8] [--bom]
                  [--delimiter ';'|','|tab] [--sites CONS1,MANTES,ARLYSERE]
                  [--out FILE] [--stats FILE]
"""

import argparse
import csv
import io
import json
import os
import random
import sys
from datetime import date

HEADERS = [
    "Réf famille", "Site", "Civilité", "Nom", "Prénom", "Adresse", "Code postal", "Ville",
    "Tél domicile", "Mobile", "Tél pro", "E-mail", "Situation familiale",
    "Code socio-professionnel", "Profession", "Quotient familial", "Élève civilité",
    "Élève nom", "Élève prénom", "Date de naissance", "Lieu de naissance",
    "Établissement scolaire", "Niveau scolaire", "Personne à prévenir", "Tél urgence",
]

SURNAMES = """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon
Michel Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier
François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu
Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun
Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard
Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix
Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte
López Jean Dupuy Guillot Hubert Berger Carpentier Sánchez Dupuis Moulin Louis Deschamps Huet
Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré
Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez
Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Cousin Germain Breton Besson Langlois
Rémy Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob
Monnier Michaud Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier Collin
Chauvin Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy
Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte Gaudin Cuvelier Béranger
Thébault Lelièvre Côté Ferré Bréhier Crépin Jouët Maës Daël Cœurdacier Bœuf""".split()
# Compound surnames: particles and double names, written with a space or a hyphen.
COMPOUND_SURNAMES = [
    "Da Costa", "Le Goff", "Le Gall", "Le Roux", "Le Bihan", "Da Silva", "Dos Santos",
    "De Oliveira", "Ben Ali", "N'Diaye", "Œuvray", "Saint-Martin", "Le Floc'h", "Du Pré",
    "De La Fontaine", "Van den Berghe", "Lefèvre-Utile", "Bonnaire-Gaël", "Delacroix-Ménard",
    "Mac Namara", "El Amrani", "Le Guével", "Ould Ahmed", "L'Hôte",
]

MALE_ADULTS = """Jean Pierre Michel André Philippe Alain Éric Frédéric Stéphane Sébastien Jérôme
Jean-Pierre Jean-François Jean-Luc Jean-Marc Christophe Laurent Nicolas Olivier Thierry
François Hervé Benoît Rémi Cédric Grégory Raphaël Joël Noël Loïc Gaël Mickaël Jérémy Aurélien
Julien Mathieu Anthony Karim Mehdi Yannick Régis Gérald Jacques Bruno Pascal Franck Didier
Lionel Emmanuel Ludovic Guillaume Vincent Hugues Rodolphe José Luís Ahmed Youssef""".split()
FEMALE_ADULTS = """Marie Nathalie Isabelle Sylvie Catherine Véronique Sandrine Stéphanie Céline
Valérie Hélène Émilie Aurélie Élodie Mélanie Sophie Anne-Sophie Marie-Claire Marie-Hélène
Anne-Laure Béatrice Géraldine Agnès Françoise Josée Chloé Noémie Laëtitia Gaëlle Maëlle Inès
Clémence Fatima Leïla Amélie Laure Christèle Danièle Ghislaine Bérengère Cécile Delphine Karine
Virginie Séverine Corinne Magali Gwenaëlle Anaïs Solène Rachida Aïcha Zoé Maïté""".split()
BOYS = """Léo Gabriel Raphaël Arthur Louis Jules Adam Maël Lucas Hugo Noah Liam Gabin Sacha Paul
Nathan Aaron Mohamed Éthan Tom Timéo Théo Noé Aurèle Côme Baptiste Mathéo Enzo Clément Léon
Jean-Baptiste Pierre-Louis Martin Valentin Maxence Antoine Célestin Jérémie Évan Loïs Anaël
Ilyès Rayan Élie Gaspard Églantin Bastien Timothée Kylian Naël Jean-Mathieu Marc-Antoine
Joachim Ismaël""".split()
GIRLS = """Jade Louise Emma Alice Ambre Lina Rose Chloé Mia Léa Anna Inès Julia Mila Léna Zoé
Iris Manon Éléonore Héloïse Maëlys Anaïs Clémence Romane Capucine Agathe Eugénie Jeanne Margaux
Océane Noémie Lou-Anne Marie-Lou Anne-Charlotte Bérénice Salomé Apolline Maïwenn Gaëlle Joëlle
Lætitia Chloë Éloïse Adèle Célia Nour Yasmine Maëva Sarah Lisa-Marie Anne-Cécile Élise Thaïs
Daphné Cléo""".split()

# (postal code, town), grouped by region: each site draws most of its families from one group.
REGIONS = [
    [  # Savoie, Haute-Savoie
        ("73200", "Albertville"), ("73000", "Chambéry"), ("73400", "Ugine"),
        ("73460", "Frontenex"), ("73540", "La Bâthie"), ("73260", "Aigueblanche"),
        ("73600", "Moûtiers"), ("73700", "Bourg-Saint-Maurice"), ("73270", "Beaufort"),
        ("73100", "Aix-les-Bains"), ("73300", "Saint-Jean-de-Maurienne"),
        ("74000", "Annecy"), ("74300", "Cluses"), ("73590", "Flumet"),
        ("73460", "Notre-Dame-des-Millières"), ("73250", "Saint-Pierre-d'Albigny"),
    ],
    [  # Yvelines, Val-d'Oise
        ("78200", "Mantes-la-Jolie"), ("78711", "Mantes-la-Ville"), ("78520", "Limay"),
        ("78440", "Gargenville"), ("78410", "Aubergenville"), ("78000", "Versailles"),
        ("78100", "Saint-Germain-en-Laye"), ("78840", "Moisson"), ("78270", "Bonnières-sur-Seine"),
        ("78680", "Épône"), ("78930", "Guerville"), ("95000", "Cergy"),
        ("78250", "Meulan-en-Yvelines"), ("78980", "Bréval"),
    ],
    [  # Ain, Rhône, Isère
        ("01000", "Bourg-en-Bresse"), ("01100", "Oyonnax"), ("01200", "Bellegarde-sur-Valserine"),
        ("01500", "Ambérieu-en-Bugey"), ("01300", "Belley"), ("69003", "Lyon"),
        ("69100", "Villeurbanne"), ("69400", "Villefranche-sur-Saône"), ("38000", "Grenoble"),
        ("38200", "Vienne"), ("01700", "Miribel"), ("69130", "Écully"),
    ],
]
# Sample sites of config/samples/sites.yaml and their region; other codes take turns.
SITE_REGIONS = {"ARLYSERE": 0, "MANTES": 1, "CONS1": 2}
NATIONAL = [
    ("06000", "Nice"), ("06400", "Cannes"), ("02100", "Saint-Quentin"), ("03100", "Montluçon"),
    ("05000", "Gap"), ("07200", "Aubenas"), ("08000", "Charleville-Mézières"), ("09000", "Foix"),
    ("04000", "Digne-les-Bains"), ("04100", "Manosque"), ("75011", "Paris"), ("75018", "Paris"),
    ("13001", "Marseille"), ("31000", "Toulouse"), ("33000", "Bordeaux"), ("44000", "Nantes"),
    ("35000", "Rennes"), ("29200", "Brest"), ("59000", "Lille"), ("67000", "Strasbourg"),
    ("68100", "Mulhouse"), ("34000", "Montpellier"), ("30000", "Nîmes"), ("84000", "Avignon"),
    ("83000", "Toulon"), ("42000", "Saint-Étienne"), ("63000", "Clermont-Ferrand"),
    ("87000", "Limoges"), ("86000", "Poitiers"), ("37000", "Tours"), ("45000", "Orléans"),
    ("21000", "Dijon"), ("25000", "Besançon"), ("51100", "Reims"), ("57000", "Metz"),
    ("54000", "Nancy"), ("76000", "Rouen"), ("14000", "Caen"), ("72000", "Le Mans"),
    ("49000", "Angers"), ("64000", "Pau"), ("66000", "Perpignan"), ("26000", "Valence"),
    ("27000", "Évreux"), ("28000", "Chartres"), ("91000", "Évry-Courcouronnes"),
    ("92100", "Boulogne-Billancourt"), ("93200", "Saint-Denis"), ("94000", "Créteil"),
    ("60200", "Compiègne"), ("80000", "Amiens"), ("62000", "Arras"), ("18000", "Bourges"),
    ("41000", "Blois"), ("17000", "La Rochelle"), ("40000", "Mont-de-Marsan"), ("65000", "Tarbes"),
    ("12000", "Rodez"), ("46000", "Cahors"), ("81000", "Albi"), ("19100", "Brive-la-Gaillarde"),
    ("23000", "Guéret"), ("88000", "Épinal"), ("39000", "Lons-le-Saunier"), ("71000", "Mâcon"),
    ("58000", "Nevers"), ("89000", "Auxerre"), ("10000", "Troyes"), ("55100", "Verdun"),
    ("20000", "Ajaccio"), ("97400", "Saint-Denis"), ("22000", "Saint-Brieuc"), ("56100", "Lorient"),
]

STREET_KINDS = ["rue", "rue", "rue", "avenue", "boulevard", "chemin", "allée", "impasse",
                "place", "route", "quai", "cours", "square", "montée", "lotissement"]
STREET_NAMES = [
    "de la République", "Victor-Hugo", "Jean-Jaurès", "de l'Église", "des Écoles",
    "du Général-de-Gaulle", "Pasteur", "des Érables", "de la Gare", "du Château", "des Tilleuls",
    "Émile-Zola", "Gambetta", "Voltaire", "des Lilas", "du Moulin", "de Verdun", "Jean-Moulin",
    "de la Forêt", "des Prés", "du Lac", "des Côtes", "de Bellevue", "Aristide-Briand",
    "Pierre-et-Marie-Curie", "du Maréchal-Foch", "de l'Hôtel-de-Ville", "des Hirondelles",
    "de la Fontaine", "Saint-Honoré", "Clemenceau", "des Mûriers", "du Stade", "des Acacias",
    "Frédéric-Chopin", "Hector-Berlioz", "Maurice-Ravel", "Gabriel-Fauré", "de la Libération",
    "du 8-Mai-1945", "des Œillets", "du Pré-Bénit", "de la Croix-Rousse", "Édouard-Herriot",
]
BEFORE_LINES = [  # a line above the street
    "Résidence « Les Pins »", "Résidence Le Bellevue", "Le Clos Fleuri", "Chez M. et Mme Dupré",
    "Les Jardins de l'Arly", "Domaine des Côtes", "Résidence Beauséjour", "Villa Mon Rêve",
]
AFTER_LINES = [  # a line below the street, some with ';' inside
    "Bâtiment B", "Bât. C; 2e étage", "Appt 12", "Escalier 3; porte gauche", "Lieu-dit Les Côtes",
    "BP 42", "3e étage", "Porte 7", "Bâtiment A; appt 104", "Hameau de Pré-Haut", "Entrée 2",
]

MARITAL = ["Marié", "Mariée", "Marié(e)", "Pacsé(e)", "Célibataire", "Divorcé(e)", "Séparé(e)",
           "Veuf", "Veuve", "Union libre", "Vie maritale"]
# INSEE PCS codes with a profession typical of each.
PROFESSIONS = [
    ("10", "Agricultrice"), ("10", "Agriculteur"), ("21", "Artisan boulanger"),
    ("21", "Plombier-chauffagiste"), ("22", "Commerçante"), ("23", "Chef d'entreprise"),
    ("31", "Médecin généraliste"), ("31", "Avocate"), ("33", "Cadre de la fonction publique"),
    ("34", "Professeur des écoles"), ("34", "Enseignante"), ("35", "Journaliste"),
    ("35", "Musicien intermittent"), ("37", "Ingénieure"), ("37", "Responsable commercial"),
    ("38", "Ingénieur informaticien"), ("42", "Institutrice"), ("43", "Infirmière"),
    ("43", "Kinésithérapeute"), ("44", "Pasteur"), ("45", "Secrétaire de mairie"),
    ("46", "Comptable"), ("46", "Assistante de direction"), ("47", "Technicien de maintenance"),
    ("48", "Contremaître"), ("52", "Agent d'entretien"), ("53", "Gendarme"), ("54", "Aide-soignante"),
    ("54", "Employée de bureau"), ("55", "Vendeuse"), ("56", "Coiffeuse"),
    ("56", "Assistante maternelle"), ("61", "Électricien"), ("62", "Opérateur de production"),
    ("63", "Cuisinier « chef »"), ("64", "Chauffeur-livreur"), ("65", "Cariste"),
    ("66", "Manœuvre"), ("69", "Ouvrier agricole"), ("71", "Retraité"), ("81", "Demandeuse d'emploi"),
    ("82", "Étudiant"), ("84", "Mère au foyer"),
]
MAIL_DOMAINS = ["example.fr", "example.com", "example.net", "example.org", "mail.example.fr",
                "courriel.example.fr", "orange.example.fr", "free.example.fr"]

LEVELS = {4: "MS", 5: "GS", 6: "CP", 7: "CE1", 8: "CE2", 9: "CM1", 10: "CM2", 11: "6e",
          12: "5e", 13: "4e", 14: "3e", 15: "2nde", 16: "1re", 17: "Terminale"}
HIGHER_LEVELS = ["Licence 1", "Licence 2", "Licence 3", "BTS", "BUT", "Master 1", "Master 2",
                 "Classe préparatoire", "Étudiante", "Étudiant", "", ""]
SCHOOLS = {
    "maternelle": ["École maternelle Les Coquelicots", "École maternelle du Centre",
                   "École maternelle Pré-Vert", "École maternelle Françoise-Dolto"],
    "elementaire": ["École Saint-Exupéry", "École élémentaire Jules-Ferry", "École Louis-Pergaud",
                    "École Ferdinand-Buisson", "École primaire des Œillets", "École Sainte-Thérèse",
                    "École Jean-de-La-Fontaine", "École Marie-Curie"],
    "college": ["Collège Jean-Moulin", "Collège Pré-Bénit", "Collège Jean-Jaurès",
                "Collège Gaston-Bachelard", "Collège Saint-François-de-Sales", "Collège Les Ménestrels",
                "Collège Émile-Zola"],
    "lycee": ["Lycée Jean-Moulin", "Lycée René-Perrin", "Lycée Saint-Exupéry", "Lycée Vaugelas",
              "Lycée Louis-Armand", "Lycée polyvalent Édouard-Branly"],
    "superieur": ["Université Savoie Mont Blanc", "IUT d'Annecy", "Université de Versailles",
                  "Université Lyon 2", "Conservatoire à rayonnement régional", "", "", ""],
}

REFERENCE_DATE = (2025, 9, 1)  # ages are counted on this day: the output never depends on today

ASCII_FOLD = str.maketrans({
    "à": "a", "â": "a", "ä": "a", "á": "a", "ç": "c", "é": "e", "è": "e", "ê": "e", "ë": "e",
    "î": "i", "ï": "i", "í": "i", "ô": "o", "ö": "o", "ó": "o", "ù": "u", "û": "u", "ü": "u",
    "ú": "u", "ÿ": "y", "ñ": "n", "œ": "oe", "æ": "ae", "'": "", " ": "", "-": "",
})


def mail_part(name):
    """The lower-case ASCII form of a name, for e-mail addresses: "Le Floc'h" -> "lefloch"."""
    return name.lower().translate(ASCII_FOLD)


def main():
    parser = argparse.ArgumentParser(
        description="Generate a deterministic families CSV (layout rows) for imuse-admin.")
    parser.add_argument("--families", type=int, default=100000, help="number of families (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--encoding", choices=["windows-1252", "utf-8"], default="windows-1252",
                        help="file encoding (default windows-1252, as Excel saves it)")
    parser.add_argument("--bom", action="store_true", help="start a UTF-8 file with a byte order mark")
    parser.add_argument("--delimiter", default=";", help="field separator: ';' (default), ',' or tab")
    parser.add_argument("--sites", default="CONS1,MANTES,ARLYSERE",
                        help="comma-separated site codes spread over the families")
    parser.add_argument("--out", default="-", help="output file (default: standard output)")
    parser.add_argument("--stats", help="also write counts (families, rows, students...) as JSON here")
    args = parser.parse_args()

    delimiter = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ","}.get(args.delimiter, args.delimiter)
    if delimiter not in (";", ",", "\t"):
        parser.error("--delimiter must be ';', ',' or tab")
    if args.bom and args.encoding != "utf-8":
        parser.error("--bom needs --encoding utf-8")
    if args.families < 0:
        parser.error("--families must be 0 or more")
    sites = [s.strip() for s in args.sites.split(",") if s.strip()]
    if not sites:
        parser.error("--sites needs at least one site code")

    rng = random.Random(args.seed)
    rand = rng.random
    randint = rng.randint
    choice = rng.choice

    codec = "cp1252" if args.encoding == "windows-1252" else "utf-8"
    if args.out == "-":
        raw = sys.stdout.buffer
        tmp_path = None
    else:
        tmp_path = args.out + ".part"
        raw = open(tmp_path, "wb")
    out = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="", write_through=False)
    if args.bom:
        out.write("\ufeff")
    # Excel's way: CRLF between records, LF inside quoted cells, quotes only where needed.
    writer = csv.writer(out, delimiter=delimiter, quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    writer.writerow(HEADERS)

    used_emails = set()
    counts = {"families": 0, "rows": 0, "students": 0, "families_without_ref": 0,
              "families_without_students": 0, "multiline_addresses": 0}
    ref_year, ref_month, ref_day = REFERENCE_DATE
    student_counts = [0, 1, 2, 3, 4, 5]
    student_weights = [8, 38, 33, 15, 5, 1]  # mean 1.74 students per family
    quotient_spaces = [" ", " ", " ", "\u00a0"]  # Excel's French number format uses a no-break space

    def phone(first_digits):
        digits = first_digits + "".join(str(randint(0, 9)) for _ in range(10 - len(first_digits)))
        style = rand()
        if style < 0.40:
            return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        if style < 0.60:
            return ".".join(digits[i:i + 2] for i in range(0, 10, 2))
        if style < 0.80:
            return digits
        if style < 0.93:
            rest = digits[1:]
            return "+33 " + rest[0] + " " + " ".join(rest[i:i + 2] for i in range(1, 9, 2))
        if style < 0.97:
            return "-".join(digits[i:i + 2] for i in range(0, 10, 2))
        rest = digits[1:]
        return "+33 (0)" + rest[0] + " " + " ".join(rest[i:i + 2] for i in range(1, 9, 2))

    def mobile():
        return phone(choice(("06", "06", "06", "07")))

    def landline():
        return phone(choice(("01", "02", "03", "04", "05", "09")))

    def surname():
        return choice(COMPOUND_SURNAMES) if rand() < 0.08 else choice(SURNAMES)

    for n in range(1, args.families + 1):
        site_no = (n * 7919) % len(sites) if len(sites) > 1 else 0
        site = sites[site_no]
        female = rand() < 0.62  # the contact is more often the mother
        last = surname()
        first = choice(FEMALE_ADULTS if female else MALE_ADULTS)
        r = rand()
        if female:
            civility = "Mme" if r < 0.5 else "Madame" if r < 0.8 else "MME" if r < 0.88 else "Mlle" if r < 0.95 else "Mme."
        else:
            civility = "M." if r < 0.5 else "Monsieur" if r < 0.8 else "M" if r < 0.9 else "Mr" if r < 0.97 else "MONSIEUR"

        region = REGIONS[SITE_REGIONS.get(site.upper(), site_no) % len(REGIONS)]
        postal, town = choice(region) if rand() < 0.8 else choice(NATIONAL)
        if postal.startswith("0") and rand() < 0.1:
            postal = postal[1:]  # a spreadsheet dropped the leading 0: the import restores it
        street = "%d%s %s %s" % (randint(1, 180), choice(("", "", "", "", " bis", " ter")),
                                 choice(STREET_KINDS), choice(STREET_NAMES))
        r = rand()
        if r < 0.02:
            address = ""
        elif r < 0.22:
            counts["multiline_addresses"] += 1
            lines = [street]
            if rand() < 0.5:
                lines.insert(0, choice(BEFORE_LINES))
                if rand() < 0.3:
                    lines.append(choice(AFTER_LINES))
            else:
                lines.append(choice(AFTER_LINES))
            address = "\n".join(lines)
        elif r < 0.25:
            address = street + "; " + choice(AFTER_LINES).lower()
        else:
            address = street.replace(" ", ", ", 1) if rand() < 0.1 else street

        local = choice((
            mail_part(first) + "." + mail_part(last),
            mail_part(first) + mail_part(last),
            mail_part(first)[0] + "." + mail_part(last),
            mail_part(last) + "." + mail_part(first),
            mail_part(first) + "." + mail_part(last) + str(randint(60, 99)),
        ))
        domain = choice(MAIL_DOMAINS)
        email = local + "@" + domain
        k = 1
        while email in used_emails:
            k += 1
            email = "%s%d@%s" % (local, k, domain)
        used_emails.add(email)

        code, profession = choice(PROFESSIONS)
        r = rand()
        if r < 0.1:
            quotient = ""
        else:
            q = randint(150, 3200)
            quotient = "%d%s%03d" % (q // 1000, choice(quotient_spaces), q % 1000) if q >= 1000 else str(q)

        reference = "" if rand() < 0.05 else "F%06d" % n
        if not reference:
            counts["families_without_ref"] += 1
        family = [
            reference, site, civility, last, first, address, postal, town,
            landline() if rand() < 0.45 else "",
            mobile() if rand() < 0.95 else "",
            landline() if rand() < 0.2 else "",
            email,
            choice(MARITAL) if rand() < 0.85 else "",
            code if rand() < 0.8 else "",
            profession if rand() < 0.8 else "",
            quotient,
        ]

        n_students = rng.choices(student_counts, student_weights)[0]
        counts["families"] += 1
        if n_students == 0:
            counts["families_without_students"] += 1
            writer.writerow(family + [""] * 9)
            counts["rows"] += 1
            continue

        partner = choice(MALE_ADULTS if female else FEMALE_ADULTS)
        other_surname = surname()
        contact = (partner + " " + (last if rand() < 0.7 else other_surname)) if rand() < 0.85 else ""
        contact_phone = mobile() if contact else ""
        eldest_age = randint(4 + 3 * (n_students - 1), 25) if n_students <= 7 else 25
        names_taken = set()
        age = eldest_age
        for _ in range(n_students):
            boy = rand() < 0.45
            pool = BOYS if boy else GIRLS
            s_first = choice(pool)
            while s_first in names_taken:
                s_first = choice(pool)
            names_taken.add(s_first)
            # Born on a day that makes them exactly `age` on the reference day.
            first_day = date(ref_year - age - 1, ref_month, ref_day).toordinal() + 1
            last_day = date(ref_year - age, ref_month, ref_day).toordinal()
            born = date.fromordinal(randint(first_day, last_day))
            day, month, year = born.day, born.month, born.year
            birth = ("%02d/%02d/%04d" if rand() < 0.6 else "%d/%d/%04d") % (day, month, year)
            r = rand()
            if boy:
                s_civility = "M." if r < 0.5 else "M" if r < 0.6 else "Monsieur" if r < 0.7 else ""
            else:
                s_civility = "Mlle" if r < 0.4 else "Melle" if r < 0.5 else "Mme" if r < 0.6 else ""
            r = rand()
            s_last = last if r < 0.85 else "" if r < 0.9 else other_surname
            if age in LEVELS:
                level = LEVELS[age]
                kind = ("maternelle" if age <= 5 else "elementaire" if age <= 10
                        else "college" if age <= 14 else "lycee")
                school = choice(SCHOOLS[kind])
            else:
                level = choice(HIGHER_LEVELS)
                school = choice(SCHOOLS["superieur"])
            birth_place = choice(region)[1] if rand() < 0.6 else choice(NATIONAL)[1] if rand() < 0.8 else ""
            writer.writerow(family + [
                s_civility, s_last, s_first, birth, birth_place, school,
                level if rand() < 0.9 else "", contact, contact_phone,
            ])
            counts["rows"] += 1
            counts["students"] += 1
            age = max(4, age - randint(1, 4))

    out.flush()
    if tmp_path is not None:
        out.close()
        os.replace(tmp_path, args.out)
        counts["bytes"] = os.path.getsize(args.out)
    else:
        out.detach()
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            json.dump(counts, f)
            f.write("\n")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
