#!/usr/bin/env bash
# From a fresh clone to a working tool in one command: installs the Debian packages, builds,
# starts the private PostgreSQL cluster (scripts/pg.sh, in .pg/), migrates it, loads the sample
# school and shows the result. Mail goes to .quickstart/mail (a maildir). Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IMUSE_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
step() { printf '\n==> %s\n' "$*"; }

step "Installing Debian packages"
bash "$root/scripts/install-deps.sh"

step "Building"
cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target imuse-admin
tool=("$build/imuse-admin" --config "$root/config/quickstart.yaml")

step "Starting the private PostgreSQL cluster"
IMUSE_ADMIN_DATABASE_URL=$(bash "$root/scripts/pg.sh" start)
export IMUSE_ADMIN_DATABASE_URL
echo "database: $IMUSE_ADMIN_DATABASE_URL"
mkdir -p "$root/.quickstart/mail"

step "imuse-admin db migrate"
"${tool[@]}" db migrate

step "imuse-admin site sync   (the sample school's site, from config/quickstart.yaml)"
"${tool[@]}" site sync
step "imuse-admin site import config/samples/sites.yaml"
"${tool[@]}" site import "$root/config/samples/sites.yaml"

step "imuse-admin site list"
"${tool[@]}" site list

step "imuse-admin families import config/samples/families.csv   (Windows-1252, as Excel saves it)"
"${tool[@]}" families import "$root/config/samples/families.csv"
step "imuse-admin courses import config/samples/courses.csv"
"${tool[@]}" courses import "$root/config/samples/courses.csv"
step "imuse-admin enrolments import config/samples/enrolments.csv"
"${tool[@]}" enrolments import "$root/config/samples/enrolments.csv"

step "imuse-admin families list"
"${tool[@]}" families list

step "imuse-admin families show F0001"
"${tool[@]}" families show F0001

step "imuse-admin families export --out .quickstart/families-export.csv"
"${tool[@]}" families export --out "$root/.quickstart/families-export.csv"

step "imuse-admin campaign open config/samples/campaign.yaml --notify   (re-enrolment 2027/2028)"
"${tool[@]}" campaign open "$root/config/samples/campaign.yaml" --notify
step "imuse-admin campaign status"
"${tool[@]}" campaign status
step "imuse-admin campaign import-responses config/samples/campaign-responses.csv   (paper forms)"
"${tool[@]}" campaign import-responses "$root/config/samples/campaign-responses.csv"
step "imuse-admin changes list   (what waits for the office's validation)"
"${tool[@]}" changes list
step "imuse-admin changes approve --kind reenrolment --all   (creates the 2027/2028 enrolments)"
"${tool[@]}" changes approve --kind reenrolment --all
step "imuse-admin campaign status"
"${tool[@]}" campaign status

step "imuse-admin rentals import config/samples/rentals.csv   (instruments, rooms, equipment)"
"${tool[@]}" rentals import "$root/config/samples/rentals.csv"
step "imuse-admin families billing F0003 --schedule 9   (this family pays monthly by SEPA direct debit)"
"${tool[@]}" families billing F0003 --schedule 9
step "imuse-admin families mandate set F0003 --iban 'FR76 3000 6000 0112 3456 7890 189' --bic AGRIFRPP882 --signed 2026-09-01"
"${tool[@]}" families mandate set F0003 --iban 'FR76 3000 6000 0112 3456 7890 189' --bic AGRIFRPP882 \
  --signed 2026-09-01
step "imuse-admin invoices generate --year 2026/2027 --date 2026-09-15   (tariffs: config/samples/tariffs.yaml)"
# Issued on a fixed date so that every schedule keeps its due dates; a second run bills nothing.
"${tool[@]}" invoices generate --year 2026/2027 --date 2026-09-15
step "imuse-admin invoices list --year 2026/2027"
"${tool[@]}" invoices list --year 2026/2027
step "imuse-admin --site CONS1 payments import config/samples/payments.csv --on-error skip   (a bank statement)"
# Exit 1: the statement's last line names no invoice; it goes to the reject file, by design.
"${tool[@]}" --site CONS1 payments import "$root/config/samples/payments.csv" --on-error skip \
  --rejects "$root/.quickstart/payments.rejects.csv" || [ $? -eq 1 ]
step "imuse-admin families statement F0001 --year 2026/2027   (the ledger the portal shows)"
"${tool[@]}" families statement F0001 --year 2026/2027
step "imuse-admin invoices check"
"${tool[@]}" invoices check
step "imuse-admin invoices pdf --year 2026/2027 --out .quickstart/invoices"
"${tool[@]}" invoices pdf --year 2026/2027 --out "$root/.quickstart/invoices"
step "imuse-admin receipts pdf --year 2026/2027 --out .quickstart/receipts"
"${tool[@]}" receipts pdf --year 2026/2027 --out "$root/.quickstart/receipts"

step "imuse-admin sepa export --collection-date 2026-10-05 --out .quickstart/sepa/   (pain.008 for the bank; FRST)"
mkdir -p "$root/.quickstart/sepa" "$root/.quickstart/treasury"
"${tool[@]}" sepa export --collection-date 2026-10-05 --out "$root/.quickstart/sepa/"
step "imuse-admin sepa list"
"${tool[@]}" sepa list
step "imuse-admin --today 2026-11-20 invoices remind --overdue-days 30   (reminders of overdue invoices)"
# Exit 1: some sample families have no e-mail address; they are listed for a letter.
"${tool[@]}" --today 2026-11-20 invoices remind --overdue-days 30 || [ $? -eq 1 ]
step "imuse-admin --today 2026-12-20 treasury export --out .quickstart/treasury/   (PES V2 for the Trésor Public)"
# Exit 1 would mean a family the treasury would refuse (reported, left out).
"${tool[@]}" --today 2026-12-20 treasury export --out "$root/.quickstart/treasury/" || [ $? -eq 1 ]
step "imuse-admin treasury list"
"${tool[@]}" treasury list
step "imuse-admin families statement F0002 --year 2026/2027   (TAV: transferred to the Trésor Public)"
"${tool[@]}" families statement F0002 --year 2026/2027

step "imuse-admin identifiers assign   (portal login identifiers; one per e-mail address)"
# Exit 1 means some families were reported (no e-mail, or an e-mail shared with another
# family): that is the sample school's data, not a failure of the quick start.
"${tool[@]}" identifiers assign || [ $? -eq 1 ]
step "imuse-admin identifiers send   (queues one e-mail per family, never twice)"
"${tool[@]}" identifiers send
step "imuse-admin passwords generate --all-missing --send   (argon2id hashes; the passwords only in the e-mails)"
"${tool[@]}" passwords generate --all-missing --send
step "imuse-admin mail status"
"${tool[@]}" mail status
step "imuse-admin mail flush   (delivers the queued e-mails into .quickstart/mail/new/)"
"${tool[@]}" mail flush
"${tool[@]}" mail status
echo "e-mails in .quickstart/mail/new: $(find "$root/.quickstart/mail/new" -type f | wc -l)"

step "imuse-admin db status"
"${tool[@]}" db status

cat <<MSG

Done. The e-mails are files in .quickstart/mail/new/ (one .eml each: open them with any mail
reader, or read them with less); the invoices and receipts are PDFs in .quickstart/invoices/
and .quickstart/receipts/; the SEPA file is in .quickstart/sepa/ and the PES V2 bordereaux for
the Trésor Public in .quickstart/treasury/. To use the tool against this database:
  export IMUSE_ADMIN_DATABASE_URL=$IMUSE_ADMIN_DATABASE_URL
  $build/imuse-admin --config config/quickstart.yaml --help
Stop the database with: scripts/pg.sh stop
MSG
