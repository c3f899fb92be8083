"""Form shapes, one module per part of the site. Rules live in the services; forms only check types and presence."""
