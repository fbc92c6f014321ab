// embed.html → index.html?embed=1&…: the embed layout of the page, with the query of the embed link kept.
(function () {
  var params = new URLSearchParams(location.search);
  params.set('embed', '1');
  location.replace('./index.html?' + params.toString() + location.hash);
})();
