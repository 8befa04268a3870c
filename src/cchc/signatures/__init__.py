"""Digital signatures of PDF documents (PAdES, Nghị định 130/2018 and 30/2020): signing through a signer, and
verifying a signed PDF down to a trusted root. Below every domain: it reads settings and speaks in Vietnamese, and
knows nothing of dossiers or reports, which call it (a leader signs a result, a unit its forms and its report).

- signers.py: the signer interface (`PdfSigner.sign(pdf) -> signed pdf`) with a PKCS#12 / HSM-style local signer
  and a remote-signing adapter shaped like the services Vietnamese CAs offer (the document's hash goes to the
  provider, the signature comes back after the holder approves it);
- verification.py: integrity, signer, certificate chain and validity at the time of signing, with the reason of
  a refusal in Vietnamese.
"""
