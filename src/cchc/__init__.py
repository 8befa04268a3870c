"""cchc — hệ thống một cửa điện tử và báo cáo cải cách hành chính."""

__version__ = "0.1.0"
