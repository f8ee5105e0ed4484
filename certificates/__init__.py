"""Certificate issuing and PDF rendering (reportlab); never imports the web layer."""
