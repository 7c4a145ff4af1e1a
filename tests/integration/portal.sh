# What the families' portal writes, as docs/schema.md ("Pending changes and documents")
# describes it: sourced by the integration tests that play the portal's side.

# identity_edit URL REF STUDENT_FIRST_NAME|"" CHANGES_JSON: an identity edit of the family REF
# (or of its student) based on the record's current version; prints the pending change's id.
identity_edit() {
  if [ -z "$3" ]; then
    sql "$1" "INSERT INTO pending_changes (kind, family_id, entity, base_version, changes)
              SELECT 'identity', id, 'family', version, '$4'::jsonb FROM families WHERE external_ref = '$2' RETURNING id"
  else
    sql "$1" "INSERT INTO pending_changes (kind, family_id, student_id, entity, base_version, changes)
              SELECT 'identity', s.family_id, s.id, 'student', s.version, '$4'::jsonb
              FROM students s JOIN families f ON f.id = s.family_id
              WHERE f.external_ref = '$2' AND s.first_name = '$3' RETURNING id"
  fi | head -1
}

# make_upload_files DIR JPEG_BYTES: files a family might upload, written into DIR:
# attestation.pdf (a real one-page PDF), truncated.pdf (its first half), photo.png (a real
# 32x32 PNG, to be uploaded under a .pdf name) and scan.jpg (a JPEG of JPEG_BYTES random bytes
# between its start and end markers, for the 2 Mo rule).
make_upload_files() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import os, struct, sys, zlib
d, jpeg_bytes = sys.argv[1], int(sys.argv[2])
text = b"BT /F1 18 Tf 72 770 Td (Attestation) Tj ET"
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for i, o in enumerate(objs, 1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n" % i + o + b"\nendobj\n"
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for off in offsets:
    pdf += b"%010d 00000 n \n" % off
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(os.path.join(d, "attestation.pdf"), "wb").write(pdf)
open(os.path.join(d, "truncated.pdf"), "wb").write(pdf[: len(pdf) // 2])
def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))
raw = b"".join(b"\x00" + bytes([x * 8 % 256, 128, 255 - x * 8 % 256]) * 32 for x in range(32))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)) + \
      chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(os.path.join(d, "photo.png"), "wb").write(png)
jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + \
       os.urandom(jpeg_bytes).replace(b"\xff", b"\xfe") + b"\xff\xd9"
open(os.path.join(d, "scan.jpg"), "wb").write(jpeg)
PY
}
