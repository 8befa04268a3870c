from cchc.dossiers import component_use  # noqa: F401 — importing the dossiers domain registers with the catalogue (cchc.procedures.usage) that received dossiers keep their components
