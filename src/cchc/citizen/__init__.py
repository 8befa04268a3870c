"""The citizen's space: "Hồ sơ của tôi" and the citizen's own API (/api/v1/me), which gather what one
citizen has in several domains — dossiers, feedback, ratings — above all three (none of them imports it)."""
