-- The cluster hierarchy: each named cluster's level (0: HDBSCAN's clusters, the ids in
-- map_points.cluster; each level above merges the one below) and the cluster of the
-- level above that holds it (-1: none, the top level or a map built before levels).
ALTER TABLE map_clusters ADD COLUMN level INTEGER DEFAULT 0;
ALTER TABLE map_clusters ADD COLUMN parent INTEGER DEFAULT -1;
