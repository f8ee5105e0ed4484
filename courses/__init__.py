"""Course XBlocks and the course content (OLX) they make up."""
