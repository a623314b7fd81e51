//! Spreadsheets in and out (to be written).
