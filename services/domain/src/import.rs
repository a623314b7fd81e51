//! Spreadsheet rows of cooperatives and listings, validated (to be written).
