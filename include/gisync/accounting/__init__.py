"""GI documents -> balanced entry drafts (French PCG), independent of MyUnisoft ids."""
