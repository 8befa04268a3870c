"""Checking the arithmetic of a CCHC report typed by hand: `cchc check-report FILE`."""

from cchc.verify.rules import Problem, check_report_file, check_report_text

__all__ = ["Problem", "check_report_file", "check_report_text"]
