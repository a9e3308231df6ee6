#!/usr/bin/env bash
# A CUPS daemon with a PDF printer named PDF (jobs land as PDFs in ~/PDF).
set -euo pipefail
mkdir -p /run/cups  # no systemd here: the socket directory does not exist yet
if ! lpstat -r >/dev/null 2>&1; then
  /usr/sbin/cupsd
  for _ in $(seq 1 30); do lpstat -r >/dev/null 2>&1 && break; sleep 0.2; done
fi
if ! lpstat -p PDF >/dev/null 2>&1; then
  PPD=$(ls /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null || true)
  if [ -n "$PPD" ]; then
    lpadmin -p PDF -E -v cups-pdf:/ -P "$PPD"
  else
    lpadmin -p PDF -E -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd
  fi
fi
lpadmin -d PDF
cupsenable PDF 2>/dev/null || true
cupsaccept PDF 2>/dev/null || true
