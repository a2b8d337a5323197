-- Each map point's nearest cluster: its own cluster, or for an HDBSCAN noise point the
-- cluster of the nearest clustered point (the map shades noise by it); -1: none at all.
ALTER TABLE map_points ADD COLUMN nearest_cluster INTEGER DEFAULT -1;
UPDATE map_points SET nearest_cluster = cluster;
