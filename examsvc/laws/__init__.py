"""The law catalogue's pages: reading laws (anyone signed in), loading texts and keeping a law's
particulars (law administrators and bank editors), and the JSON the editor's article picker uses."""
